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
    /// How the lifecycle is paced.
    public var lifecycle: Lifecycle

    /// `fast`: every tick may move any post on, whatever its slot (tests, the demo).
    /// `schedule`: as a real account does: a post renders in the 15 minutes before its
    /// `scheduledTime` and is posted (or fails) at it or a little after, so `postedAt` is never
    /// days before the slot; new posts are scheduled within the next two hours.
    public enum Lifecycle: String, Sendable, CaseIterable {
        case fast, schedule
    }

    public init(
        initialPosts: Int = 500,
        apiKey: String = "sandbox-key",
        tick: Duration? = .seconds(2),
        seed: UInt64 = 1,
        accounts: Int = 6,
        newPostsPerTick: Int = 2,
        faults: SandboxFaults = .none,
        start: Date = Date(),
        lifecycle: Lifecycle = .fast
    ) {
        self.initialPosts = initialPosts
        self.apiKey = apiKey
        self.tick = tick
        self.seed = seed
        self.accounts = accounts
        self.newPostsPerTick = newPostsPerTick
        self.faults = faults
        self.start = start
        self.lifecycle = lifecycle
    }
}
