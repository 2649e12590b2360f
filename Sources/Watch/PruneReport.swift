/// What one ``Store/prune(before:batchSize:maxBatches:)`` call removed.
public struct PruneReport: Sendable, Hashable {
    /// Cycle rows removed (never the newest, whose id is the cycle count, nor the newest complete).
    public var cycles: Int
    /// Event rows removed.
    public var events: Int
    /// Outbox rows removed, all `delivered` or `dead`.
    public var outbox: Int
    /// History rows and delivery attempts removed.
    public var history: Int
    /// True when a table still had rows to prune once the call's batch budget was spent: the
    /// next call goes on where this one stopped.
    public var incomplete: Bool

    public init(cycles: Int = 0, events: Int = 0, outbox: Int = 0, history: Int = 0, incomplete: Bool = false) {
        self.cycles = cycles
        self.history = history
        self.events = events
        self.outbox = outbox
        self.incomplete = incomplete
    }

    /// Rows removed from all tables.
    public var total: Int { cycles + events + outbox + history }
}
