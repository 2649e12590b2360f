import Foundation

/// How a sandbox is set up; built by `postwatch sandbox` or a test.
public struct SandboxConfiguration: Sendable {
    /// Posts created at start, in every status.
    public var initialPosts: Int
    /// The Bearer key clients must send.
    public var apiKey: String
    /// The lifecycle moves on every `tick`; nil: only when `Sandbox.tick()` is called.
    public var tick: Duration?
    /// Seed of the generator: the same seed gives the same posts and the same lifecycle.
    public var seed: UInt64
    /// Number of accounts posts are spread over.
    public var accounts: Int
    /// Posts created by each tick (new posts arrive as `generated`).
    public var newPostsPerTick: Int
    public var faults: SandboxFaults
    /// The time the simulation starts at (the posts' times are spread around it).
    public var start: Date

    public init(
        initialPosts: Int = 500,
        apiKey: String = "sandbox-key",
        tick: Duration? = .seconds(2),
        seed: UInt64 = 1,
        accounts: Int = 6,
        newPostsPerTick: Int = 2,
        faults: SandboxFaults = .none,
        start: Date = Date()
    ) {
        self.initialPosts = initialPosts
        self.apiKey = apiKey
        self.tick = tick
        self.seed = seed
        self.accounts = accounts
        self.newPostsPerTick = newPostsPerTick
        self.faults = faults
        self.start = start
    }
}
