import Foundation
import Infinipost

/// Where postwatch keeps what it knows between cycles: the last state of every post, the
/// cycles, the events, the outbox and the throttle state.
///
/// The diff never talks SQL: it reads a ``StoredState`` and hands back a ``CycleCommit`` that
/// the store applies in one transaction. ``SQLiteStore`` is the embedded one; `PostgresStore`
/// (module PostgresState, issue 17), the shared one of several replicas, is behind the same
/// protocol and runs the same conformance tests (`StoreConformanceTests`, one factory per
/// backend). Nothing here names a database type or error code: a failure is a ``StoreError``.
///
/// What every implementation must keep, beyond each requirement's own words:
/// - **Cycle ids are dense.** The cycle a commit (or ``recordFailedCycle(_:)``) records gets
///   the id ``StoredState/cyclesRecorded`` + 1: events carry that number into idempotency keys
///   before the commit, and a rolled-back commit must not use it up (a PostgreSQL sequence
///   would; assign `MAX(id) + 1` in the transaction instead).
/// - **One committer.** ``loadState()`` then ``commit(_:)`` is read-then-write with nothing
///   in between to say the state is still the one read: a second poller committing at the same
///   time would apply a diff against a stale state. SQLite relies on the state file's lock
///   (`StateLock`); a shared store also implements ``Leadership`` and checks the fencing epoch
///   (``StoredState/fence``, ``CycleCommit/fence``) in every write of the poll path.
public protocol Store: Outbox {
    /// Everything the diff needs, read in one consistent snapshot of the store.
    func loadState() async throws -> StoredState
    /// The posts as last stored (for `deleted` events, which carry the post as it was).
    func storedPosts(ids: [String]) async throws -> [String: Post]
    /// Applies a complete cycle: posts, markers, events, outbox entries, throttle state, the
    /// history of what became of each event and the cycle record, all or nothing. Returns the
    /// number of rows it changed (the cycle row included): an unchanged snapshot writes 1. A notification whose idempotency key is
    /// already in the outbox (in any state) is that notification, skipped, never an error.
    @discardableResult
    func commit(_ commit: CycleCommit) async throws -> Int
    /// Forgets the posts staged by an earlier first cycle that did not complete.
    func clearStaged() async throws
    /// Stages posts of a first cycle as they are listed, so that its million posts are never all
    /// in memory. Staged posts are not state: ``commit(_:)`` with ``CycleCommit/includesStaged``
    /// makes them so, in its transaction. A post staged twice (seen in two partitions) keeps the
    /// copy later in the lifecycle, as the snapshot does.
    func stage(_ posts: [PostWrite]) async throws
    /// Distinct posts staged.
    func stagedCount() async throws -> Int
    /// The staged posts in the `--since` window starting at `start` (by `Diff.windowTime(of:)`:
    /// posted ones by when they were posted, the rest by their slot), as settled.
    func stagedPosts(scheduledFrom start: Date) async throws -> [PostWrite]
    /// Records a cycle that did not complete; nothing else is written.
    func recordFailedCycle(_ record: CycleRecord) async throws
    /// The most recent cycles, newest first.
    func cycles(limit: Int) async throws -> [CycleRecord]
    /// Events recorded, oldest first, after the event id `after` (0 for all).
    func events(after: Int64, limit: Int) async throws -> [StoredEvent]
    /// Deletes the history older than `cutoff`: cycles by start (never the newest, whose id
    /// numbers the next cycle, nor the newest complete one, which makes the baseline), events and
    /// muted events (``CycleCommit/silenced``) by detection, `delivered` or `dead` outbox entries
    /// by when they became so, history rows by their cycle's time and delivery attempts by
    /// theirs; pending entries, posts, markers, throttle state and silences stay. Runs at most
    /// `maxBatches` statements of `batchSize` rows per table, each in its own transaction.
    func prune(before cutoff: Date, batchSize: Int, maxBatches: Int) async throws -> PruneReport
    /// The open alerts of these posts (see ``OpenAlert``), whatever their rule or channel.
    /// ``commit(_:)`` opens and closes them; ``prune(before:batchSize:maxBatches:)`` never
    /// touches them (they are state, not history), nor does deleting a post.
    func openAlerts(forPosts postIds: Set<String>) async throws -> Set<OpenAlert>

    // Silences (issue 16): state, like the open alerts, read by every cycle (a silence added by
    // another process mutes from the next cycle on), written by `silence add|expire` and the
    // daemon's API. ``prune(before:batchSize:maxBatches:)`` never deletes a silence.

    /// Stores a new silence and returns it with its id (ids count up, never reused).
    func addSilence(_ draft: SilenceDraft) async throws -> Silence
    /// The silences whose `endsAt` is after `now` (active or pending), or every one (expired
    /// ones too) when `now` is nil; by id.
    func silences(endingAfter now: Date?) async throws -> [Silence]
    /// One silence, nil when no silence has this id.
    func silence(id: Int64) async throws -> Silence?
    /// Ends a silence at `now` (``Silence/expiredAt`` and ``Silence/endsAt``), keeping its row;
    /// one already ended is returned unchanged. Nil when no silence has this id.
    func expireSilence(id: Int64, at now: Date) async throws -> Silence?
    /// The muted events recorded (``CycleCommit/silenced``), oldest first; of one silence, or
    /// of all when `silenceId` is nil.
    func silencedEvents(silenceId: Int64?, limit: Int) async throws -> [StoredSilencedEvent]
    /// The silences that asked for a summary (``Silence/summary``), ended by `now` and not
    /// summarised yet, each with its muted events; ``CycleCommit/summarizedSilences`` marks
    /// them done.
    func endedSilences(at now: Date) async throws -> [EndedSilence]
    /// The history rows ``HistoryQuery`` selects, the newest `limit` of them, oldest first;
    /// a `notified` or `resolved` row with its outbox entry and delivery attempts (see
    /// ``HistoryEntry``). ``commit(_:)`` writes them (``CycleCommit/dispositions``); delivery
    /// adds the attempts; ``prune(before:batchSize:maxBatches:)`` removes them by age.
    func history(_ query: HistoryQuery) async throws -> [HistoryEntry]
    /// The collected digest events, the digest times last handled, the open reminders and the
    /// start of the last complete cycle (see ``ScheduledState``), all of them: they are due by the clock. ``commit(_:)`` writes them;
    /// retention never deletes them (they are state: a digest not yet sent, a reminder owed).
    func scheduledState() async throws -> ScheduledState
}

/// What the store remembers of one post (held compactly, many at once, in ``StoredPosts``).
public struct StoredPost: Sendable, Hashable {
    /// The raw status last seen (unknown values kept as they came).
    public var status: String
    /// ``PostFingerprint`` of the post as last stored: a changed field means a row to write.
    public var fingerprint: Int64
    /// Consecutive complete snapshots the post was absent from.
    public var misses: Int

    public init(status: String, fingerprint: Int64, misses: Int) {
        self.status = status
        self.fingerprint = fingerprint
        self.misses = misses
    }
}

/// An overdue event already emitted for a post and a threshold (so it is emitted once).
public struct OverdueMarker: Sendable, Hashable {
    public var postId: String
    public var seconds: Int
    public init(postId: String, seconds: Int) {
        self.postId = postId
        self.seconds = seconds
    }
}

/// The store's state as the diff reads it.
public struct StoredState: Sendable {
    public var posts: StoredPosts
    public var overdueMarkers: Set<OverdueMarker>
    public var throttle: [ThrottleKey: ThrottleState]
    /// False until a cycle completed: the next complete snapshot is the baseline.
    public var hasBaseline: Bool
    /// Accounts whose posts the status/platform/contentType partitions may not show: a post
    /// missed last cycle, or stored with a value the API filters cannot name. The cycle lists
    /// these accounts unfiltered as well, so that such a post is never reported deleted.
    public var sweepAccounts: Set<String>
    /// Cycles recorded so far, failed ones included (the id of the last): a discovery listing
    /// runs every so many (see ``PollerConfiguration/discoveryEvery``).
    public var cyclesRecorded: Int
    /// A stored post has a platform or content type the API added after this build: the
    /// documented filters cannot name it, so every cycle lists by status alone.
    public var hasUndocumentedFilterValues: Bool
    /// The fencing epoch of the lease this store held when it read the state (see
    /// ``Leadership``); nil on a store without leases (SQLite) or when it held none. The
    /// ``Poller`` hands it back in ``CycleCommit/fence``.
    public var fence: Int64?

    public init(
        posts: StoredPosts = StoredPosts(), overdueMarkers: Set<OverdueMarker> = [],
        throttle: [ThrottleKey: ThrottleState] = [:], hasBaseline: Bool = false,
        sweepAccounts: Set<String> = [], cyclesRecorded: Int = 0, hasUndocumentedFilterValues: Bool = false,
        fence: Int64? = nil
    ) {
        self.posts = posts
        self.overdueMarkers = overdueMarkers
        self.throttle = throttle
        self.hasBaseline = hasBaseline
        self.sweepAccounts = sweepAccounts
        self.cyclesRecorded = cyclesRecorded
        self.hasUndocumentedFilterValues = hasUndocumentedFilterValues
        self.fence = fence
    }
}

/// A post to insert or update, with its fingerprint.
public struct PostWrite: Sendable, Hashable {
    public var post: Post
    public var fingerprint: Int64
    public init(post: Post, fingerprint: Int64) {
        self.post = post
        self.fingerprint = fingerprint
    }
}

/// Everything one complete cycle writes, in one transaction.
public struct CycleCommit: Sendable {
    public var cycle: CycleRecord
    /// New or changed posts (their miss count goes back to 0).
    public var upserts: [PostWrite] = []
    /// Posts seen unchanged after a miss (back to 0) or missed (count up): postId → misses.
    public var misses: [String: Int] = [:]
    /// Posts gone for good (their markers go with them).
    public var deletions: [String] = []
    public var newMarkers: [OverdueMarker] = []
    public var events: [Event] = []
    public var notifications: [OutboxDraft] = []
    public var throttle: [ThrottleKey: ThrottleState?] = [:]
    /// A first cycle: the staged posts become the stored posts, and the overdue thresholds they
    /// have already passed are marked as emitted (a first run does not report yesterday's stuck
    /// posts).
    public var includesStaged = false
    /// The thresholds, in seconds, marked for staged posts.
    public var overdueThresholds: [Int] = []
    /// Alerts whose trigger this commit queues (already open ones stay as they are), then
    /// alerts whose resolve it queues (closing one that is not open is no error).
    public var openedAlerts: [OpenAlert] = []
    public var closedAlerts: [OpenAlert] = []
    /// Matched events a silence muted (``Routing/silenced``): recorded with the cycle's id.
    public var silenced: [SilencedEvent] = []
    /// Ended silences whose summary this commit queues (``Routing/summarizedSilences``).
    public var summarizedSilences: [Int64] = []
    /// What became of each event for each rule it matched (``Routing/dispositions``): the
    /// history rows of this cycle, recorded at its start.
    public var dispositions: [EventDisposition] = []
    /// Per rule, the digest time this commit handled: the rule's collected events are deleted
    /// (they are in `notifications`) before `digestEntries` are added.
    public var digestsSent: [String: Date] = [:]
    /// Events collected for a later digest.
    public var digestEntries: [DigestEntry] = []
    /// Reminders to write; `nil` deletes one (resolved, capped, or its rule gone).
    public var reminders: [ReminderKey: Reminder?] = [:]
    /// Events a maintenance window muted (not written by the store yet: the history of
    /// issue 16 records them).
    public var held: [HeldEvent] = []
    /// The epoch of the lease the state was read under (``StoredState/fence``): a shared store
    /// applies the commit only while that lease is still the current one, and refuses it with
    /// ``StoreError/Code/fenced`` otherwise (another replica may have committed since the
    /// read). Nil: checked against the lease the store holds at commit time, and refused when
    /// it holds none. A store without leases (SQLite) ignores it.
    public var fence: Int64?

    public init(cycle: CycleRecord) {
        self.cycle = cycle
    }
}

/// One row of the cycles table.
public struct CycleRecord: Sendable, Hashable {
    public enum Result: String, Sendable, Hashable, Codable {
        /// A complete snapshot, diffed and applied.
        case complete
        /// The first complete snapshot into an empty store: recorded, events only for `--since`.
        case baseline
        /// The listing or the commit failed: nothing else was written.
        case failed
    }
    public var id: Int64?
    public var startedAt: Date
    public var endedAt: Date
    public var result: Result
    public var error: String?
    public var posts: Int
    public var events: Int
    public var notifications: Int
    public var listings: Int

    public init(
        id: Int64? = nil, startedAt: Date, endedAt: Date, result: Result, error: String? = nil,
        posts: Int = 0, events: Int = 0, notifications: Int = 0, listings: Int = 0
    ) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.result = result
        self.error = error
        self.posts = posts
        self.events = events
        self.notifications = notifications
        self.listings = listings
    }
}

/// An event as recorded, with the cycle that found it.
public struct StoredEvent: Sendable, Hashable {
    public var id: Int64
    public var cycleId: Int64
    public var event: Event
    public init(id: Int64, cycleId: Int64, event: Event) {
        self.id = id
        self.cycleId = cycleId
        self.event = event
    }
}
