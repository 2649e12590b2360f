import Foundation
import Infinipost
import Logging

/// Prunes the store's history per a ``Retention``, outside any cycle's transaction.
///
/// The daemon calls ``pruneIfDue(now:)`` after each cycle with the cycle's time: it prunes once
/// per ``Retention/every``, and again at the next cycle while a call left rows behind.
/// `check` calls ``prune(now:)`` once.
public actor Pruner {
    private let store: any Store
    private let retention: Retention
    private let logger: Logger
    /// When the next ``pruneIfDue(now:)`` prunes; nil: at the first call.
    private var nextDue: Date?

    public init(store: any Store, retention: Retention, logger: Logger) {
        self.store = store
        self.retention = retention
        self.logger = logger
    }

    /// Prunes when due (see the type's description); nil when it was not.
    public func pruneIfDue(now: Date) async throws -> PruneReport? {
        if let nextDue, now < nextDue { return nil }
        // Set before pruning: a failing prune is retried at the normal pace, not every cycle.
        nextDue = now.addingTimeInterval(retention.every.secondsValue)
        let report = try await prune(now: now)
        if report.incomplete { nextDue = now }
        return report
    }

    /// Prunes what is older than `now` minus the retention period, within the batch budget.
    public func prune(now: Date) async throws -> PruneReport {
        let clock = ContinuousClock()
        let start = clock.now
        let cutoff = now.addingTimeInterval(-retention.period.secondsValue)
        let report = try await store.prune(
            before: cutoff, batchSize: retention.batchSize, maxBatches: retention.maxBatches)
        let metadata: Logger.Metadata = [
            "prune.cycles": "\(report.cycles)", "prune.events": "\(report.events)",
            "prune.outbox": "\(report.outbox)", "prune.history": "\(report.history)", "prune.incomplete": "\(report.incomplete)",
            "prune.duration_ms": "\(Int((clock.now - start).secondsValue * 1000))",
            "retention": "\(retention.period.compactDescription)",
        ]
        // A line per hour that removed something is worth seeing; an empty prune is not.
        logger.log(level: report.total > 0 ? .info : .debug, "history pruned", metadata: metadata)
        return report
    }
}
