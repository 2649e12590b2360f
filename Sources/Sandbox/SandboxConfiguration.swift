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
    /// A long history in place of ``initialPosts`` (issue 18's account that has published for
    /// years): nil for the usual mix.
    public var history: History?

    /// An account with a long past and a little present: `posts` finished posts (`posted`, or
    /// `failed` for `failedShare` of them) scheduled over the past, about a thousand a day, and
    /// `active` posts still to render and go out, scheduled in the next two hours and followed by
    /// the `schedule` lifecycle. New posts arrive at the pace that keeps about `active` of them
    /// active (a post lives about an hour from creation to its slot), whatever the tick.
    public struct History: Sendable, Hashable {
        public var posts: Int
        public var active: Int
        public var failedShare: Double

        public init(posts: Int, active: Int, failedShare: Double = 0.05) {
            self.posts = posts
            self.active = active
            self.failedShare = failedShare
        }

        /// Finished posts a day, spread back from the start.
        static let postsPerDay = 1_000.0
        /// The mean time from a new post's creation to its slot (uniform in 2...120 minutes).
        static let meanLife = 61.0 * 60
    }

    /// New posts per tick: ``newPostsPerTick``, or with a ``history`` the pace that keeps its
    /// active posts steady (fractions carry over from tick to tick).
    var arrivalsPerTick: Double {
        guard let history, let tick else { return Double(newPostsPerTick) }
        let seconds = Double(tick.components.seconds) + Double(tick.components.attoseconds) / 1e18
        return Double(history.active) * seconds / History.meanLife
    }

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
        lifecycle: Lifecycle = .fast,
        history: History? = nil
    ) {
        self.initialPosts = initialPosts
        self.apiKey = apiKey
        self.tick = tick
        self.seed = seed
        self.accounts = accounts
        self.newPostsPerTick = newPostsPerTick
        self.faults = faults
        self.start = start
        self.lifecycle = history == nil ? lifecycle : .schedule
        self.history = history
    }
}
