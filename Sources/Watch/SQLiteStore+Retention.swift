import Foundation
import GRDB

extension SQLiteStore {
    /// One kind of history row and the statement that deletes a batch of it: `?` the cutoff
    /// (Unix seconds), `?` the batch size. Each reads an index from migration
    /// "v6 retention indexes" (the dead entries, `outbox_due`), so a batch costs its own rows,
    /// not a scan of the table.
    struct PruneTarget {
        var table: WritableKeyPath<PruneReport, Int>
        var sql: String
    }

    static var pruneTargets: [PruneTarget] {
        [
            // The newest cycle stays however old: `MAX(id)` is the cycle count, and although
            // AUTOINCREMENT would never hand out an id again, the count must not depend on that.
            // So does the newest complete one: without it `hasBaseline` turns false after an API
            // outage longer than the retention, and the next cycle would be a silent baseline.
            PruneTarget(table: \.cycles, sql: """
                DELETE FROM cycles WHERE id IN (
                    SELECT id FROM cycles
                    WHERE startedAt < ? AND id < (SELECT MAX(id) FROM cycles)
                      AND id <> COALESCE((SELECT id FROM cycles WHERE result IN ('complete', 'baseline')
                                          ORDER BY id DESC LIMIT 1), 0)
                    LIMIT ?)
                """),
            PruneTarget(table: \.events, sql: """
                DELETE FROM events WHERE id IN (SELECT id FROM events WHERE detectedAt < ? LIMIT ?)
                """),
            // Muted events are events too (counted with them), and go when they do.
            PruneTarget(table: \.events, sql: """
                DELETE FROM silenced_events WHERE id IN (SELECT id FROM silenced_events WHERE detectedAt < ? LIMIT ?)
                """),
            PruneTarget(table: \.outbox, sql: """
                DELETE FROM outbox WHERE id IN (
                    SELECT id FROM outbox WHERE state = 'delivered' AND deliveredAt < ? LIMIT ?)
                """),
            // A dead entry's `nextAttemptAt` is the time it died (see `markFailed`). Pending entries
            // are never named here: they are notifications still owed.
            PruneTarget(table: \.outbox, sql: """
                DELETE FROM outbox WHERE id IN (
                    SELECT id FROM outbox WHERE state = 'dead' AND nextAttemptAt < ? LIMIT ?)
                """),
            // The history by the time its cycle recorded it, the delivery log by the attempt's:
            // kept exactly as long as the events and the outbox entries they tell about.
            PruneTarget(table: \.history, sql: """
                DELETE FROM history WHERE id IN (SELECT id FROM history WHERE recordedAt < ? LIMIT ?)
                """),
            PruneTarget(table: \.history, sql: """
                DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE startedAt < ? LIMIT ?)
                """),
        ]
    }

    public func prune(before cutoff: Date, batchSize: Int, maxBatches: Int) async throws -> PruneReport {
        let time = cutoff.timeIntervalSince1970
        let size = max(1, batchSize)
        let budget = max(1, maxBatches)
        var report = PruneReport()
        for target in Self.pruneTargets {
            let sql = target.sql
            // Freed pages go to SQLite's freelist and the next inserts reuse them, so the file
            // stops growing once the history is as old as the retention (docs/benchmarks.md).
            for batch in 1...budget {
                let deleted = try await write { db in
                    try db.execute(sql: sql, arguments: [time, size])
                    return db.changesCount
                }
                report[keyPath: target.table] += deleted
                if deleted < size { break }
                if batch == budget { report.incomplete = true }
            }
        }
        return report
    }
}
