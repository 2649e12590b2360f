/// How long the history (cycles, events, settled outbox entries) is kept, and how pruning is
/// paced. Posts, overdue markers and throttle state are the current state, never pruned.
///
/// ```swift
/// let retention = Retention(period: .seconds(7 * 86_400))   // --retention 7d
/// ```
public struct Retention: Sendable, Hashable {
    /// `--retention`: rows older than this are pruned.
    public var period: Duration
    /// Rows per DELETE statement, each in its own short transaction: a cycle waiting for the
    /// writer waits for one batch, never for the whole prune.
    public var batchSize: Int
    /// Batches one call may run per table, so that the first prune of a long history (an
    /// upgrade, a lowered retention) is spread over several calls instead of stalling one.
    public var maxBatches: Int
    /// The daemon prunes at most this often; sooner only while a call left rows behind.
    public var every: Duration

    /// 30 days, like DESIGN.md's "within the retention" history.
    public static let defaultPeriod: Duration = .seconds(30 * 86_400)

    public init(
        period: Duration = Retention.defaultPeriod, batchSize: Int = 500, maxBatches: Int = 40,
        every: Duration = .seconds(3600)
    ) {
        self.period = period
        self.batchSize = batchSize
        self.maxBatches = maxBatches
        self.every = every
    }
}
