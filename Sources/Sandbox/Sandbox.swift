import Foundation
import Infinipost
import Synchronization

/// An Infinipost-compatible posts API, simulated in memory: the state behind `postwatch sandbox`
/// and the control handle tests drive it with.
///
/// Every method is synchronous and thread-safe; tests set a post's status, add or delete posts,
/// advance the lifecycle with `tick()` and queue faults, then read back `transitions()` to know
/// exactly what changed. `SandboxHTTPServer` puts it on the network.
///
/// ```swift
/// let sandbox = Sandbox(configuration: .init(initialPosts: 100, tick: nil))
/// sandbox.setStatus("post_…", to: .failed)
/// sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 1)])
/// ```
public final class Sandbox: Sendable {
    struct State: Sendable {
        var index = PostIndex()
        var random: SeededRandom
        /// Decides random faults; separate so faults do not change the posts a seed gives.
        var faultRandom: SeededRandom
        var generator: PostGenerator
        /// Posts that may still move on, in creation order (a deterministic walk for `tick`).
        var active: [String] = []
        /// Posts that never move on: they exercise `overdue` rules.
        var stuck: Set<String> = []
        var transitions: [SandboxTransition] = []
        var faults: SandboxFaults
        var limiter: RateLimiter?
        var scripted: [SandboxFault] = []
        var persistent: SandboxFault?
        var requests: [SandboxRequestRecord] = []
        var ticks = 0
        /// The fraction of a new post owed by earlier ticks (``SandboxConfiguration/arrivalsPerTick``).
        var arrivalCarry = 0.0
        /// Pages answered under `.endlessPages`, for a fresh cursor each time.
        var endlessPages = 0
    }

    public let configuration: SandboxConfiguration
    let state: Mutex<State>
    let now: @Sendable () -> Date

    /// Creates the sandbox and its initial posts. `now` is the simulation's clock (whole seconds
    /// are used, as the API writes times without fractions).
    public init(configuration: SandboxConfiguration = SandboxConfiguration(), now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.now = now
        var random = SeededRandom(seed: configuration.seed)
        let generator = PostGenerator(accounts: configuration.accounts, random: &random)
        var state = State(
            random: random, faultRandom: SeededRandom(seed: configuration.seed ^ 0x5EED_FA17),
            generator: generator, faults: configuration.faults,
            limiter: configuration.faults.rateLimit.map { RateLimiter(rate: $0) })
        if let history = configuration.history {
            Self.populate(&state, history: history, start: Self.wholeSeconds(configuration.start))
        } else {
            Self.populate(&state, count: configuration.initialPosts, start: Self.wholeSeconds(configuration.start))
        }
        self.state = Mutex(state)
    }

    // MARK: Reading

    /// The accounts posts are spread over.
    public var accountIds: [String] { state.withLock { $0.generator.accounts.map(\.id) } }

    public var count: Int { state.withLock { $0.index.count } }

    public func post(_ postId: String) -> Post? { state.withLock { $0.index.post(postId) } }

    /// Every post, sorted by postId.
    public func posts() -> [Post] {
        state.withLock { state in state.index.order.compactMap { state.index.post($0) } }
    }

    /// Every transition made since the start (the initial posts are not transitions), oldest first;
    /// only those with a sequence number above `sequence` when given.
    public func transitions(after sequence: Int = 0) -> [SandboxTransition] {
        state.withLock { state in
            // Sequence numbers are 1-based positions: no search needed.
            Array(state.transitions.dropFirst(max(0, sequence)))
        }
    }

    /// The requests received so far, oldest first (at most the last 100,000).
    public func requests() -> [SandboxRequestRecord] { state.withLock { $0.requests } }

    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    // MARK: Changing posts

    /// Adds a post (any status, even one the API does not document) or replaces the one with its
    /// postId; recorded as a transition when it is new or its status changed.
    /// PostIds should start with `post_` like the API's.
    public func add(_ post: Post) {
        let at = Self.wholeSeconds(now())
        state.withLock { state in
            let old = state.index.upsert(post)
            if old == nil || old?.status != post.status {
                Self.record(&state, postId: post.postId, from: old?.status, to: post.status, at: at)
            }
            if !post.status.isFinal, !state.active.contains(post.postId) { state.active.append(post.postId) }
        }
    }

    /// Creates `count` new `generated` posts as a tick would; returns them.
    @discardableResult
    public func addGenerated(count: Int) -> [Post] {
        let at = Self.wholeSeconds(now())
        return state.withLock { state in (0..<count).map { _ in Self.createPost(&state, at: at) } }
    }

    /// Sets a post's status (and `postedAt` when it becomes `posted`); false when there is no such
    /// post. Recorded as a transition when the status changed.
    @discardableResult
    public func setStatus(_ postId: String, to status: PostStatus) -> Bool {
        let at = Self.wholeSeconds(now())
        return state.withLock { state in Self.move(&state, postId: postId, to: status, at: at) }
    }

    /// Changes any field of a post in place (its postId must stay); false when there is no such post.
    /// A status change made this way is recorded too.
    @discardableResult
    public func update(_ postId: String, _ change: @Sendable (inout Post) -> Void) -> Bool {
        let at = Self.wholeSeconds(now())
        return state.withLock { state in
            guard var post = state.index.post(postId) else { return false }
            let before = post.status
            change(&post)
            post.postId = postId
            state.index.upsert(post)
            if before != post.status { Self.record(&state, postId: postId, from: before, to: post.status, at: at) }
            return true
        }
    }

    /// Deletes a post; false when there is no such post.
    @discardableResult
    public func delete(_ postId: String) -> Bool {
        let at = Self.wholeSeconds(now())
        return state.withLock { state in
            guard let old = state.index.remove(postId) else { return false }
            state.active.removeAll { $0 == postId }
            state.stuck.remove(postId)
            Self.record(&state, postId: postId, from: old.status, to: nil, at: at)
            return true
        }
    }

    // MARK: Faults

    /// The random fault knobs in force.
    public var faults: SandboxFaults {
        get { state.withLock { $0.faults } }
        set {
            state.withLock { state in
                state.faults = newValue
                state.limiter = newValue.rateLimit.map { RateLimiter(rate: $0) }
            }
        }
    }

    /// The next requests to `/v1/posts` are answered with these faults, one each, in order.
    public func enqueueFaults(_ faults: [SandboxFault]) {
        state.withLock { $0.scripted.append(contentsOf: faults) }
    }

    /// Every request is answered with this fault until it is set back to nil.
    public func setPersistentFault(_ fault: SandboxFault?) {
        state.withLock { $0.persistent = fault }
    }

    // MARK: Internals shared by the lifecycle and the API

    static func record(_ state: inout State, postId: String, from: PostStatus?, to: PostStatus?, at: Date) {
        state.transitions.append(
            SandboxTransition(sequence: state.transitions.count + 1, postId: postId, from: from, to: to, at: at))
    }

    static func move(_ state: inout State, postId: String, to status: PostStatus, at: Date) -> Bool {
        var from: PostStatus?
        let found = state.index.update(postId) { post in
            from = post.status
            post.status = status
            if status == .posted, post.postedAt == nil { post.postedAt = at }
        }
        guard found, let from else { return false }
        if from != status { record(&state, postId: postId, from: from, to: status, at: at) }
        if !status.isFinal, !state.active.contains(postId) { state.active.append(postId) }
        return true
    }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
