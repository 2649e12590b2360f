import Foundation

/// What one complete cycle found and wrote.
public struct CycleReport: Sendable {
    public var startedAt: Date
    public var duration: Duration
    /// `.complete`, or `.baseline` for the first complete snapshot into an empty store.
    public var result: CycleRecord.Result
    /// The events of the cycle, in a stable order (by post, then kind).
    public var events: [Event]
    /// Outbox entries queued by the router this cycle.
    public var notifications: Int
    /// Distinct posts in the snapshot.
    public var posts: Int
    /// Posts received from all chains, duplicates included.
    public var received: Int
    /// Cursor chains listed (partitions and account sweeps).
    public var listings: Int
    /// Pages received (a plain `PostListing` counts one per chain).
    public var pages: Int
    /// Posts inserted or updated, posts deleted.
    public var upserts: Int
    public var deletions: Int
    /// Rows the commit changed, by SQLite's own counter (1 for an unchanged snapshot).
    public var rowsWritten: Int
    /// The outbox drafts the router made (queued, unless the cycle was a dry run).
    public var drafts: [OutboxDraft] = []
    /// The names of the rules each event fired, aligned with ``events``, from the same routing
    /// that made ``drafts``; empty when the router does not report matches (see ``Routing/fired``).
    public var fired: [[String]] = []
    /// The matched events a silence muted this cycle (recorded, not notified).
    public var silenced: [SilencedEvent] = []
    /// Posts whose change this cycle did not apply because the API contradicted itself about
    /// them (see ``Snapshot/held``), by id, with why.
    public var held: [String: String] = [:]
    /// Posts dropped for an empty `postId`.
    public var rejected = 0
    /// Events a maintenance window kept from a rule or a channel (``Routing/held``).
    public var muted: [HeldEvent] = []

    public init(
        startedAt: Date, duration: Duration, result: CycleRecord.Result, events: [Event],
        notifications: Int, posts: Int, received: Int, listings: Int, pages: Int, upserts: Int,
        deletions: Int, rowsWritten: Int
    ) {
        self.startedAt = startedAt
        self.duration = duration
        self.result = result
        self.events = events
        self.notifications = notifications
        self.posts = posts
        self.received = received
        self.listings = listings
        self.pages = pages
        self.upserts = upserts
        self.deletions = deletions
        self.rowsWritten = rowsWritten
    }

    /// The rules `events[index]` fired, in rule order; `[]` when the router reported none.
    public func fired(at index: Int) -> [String] {
        fired.indices.contains(index) ? fired[index] : []
    }
}
