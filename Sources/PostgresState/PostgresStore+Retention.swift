import Foundation
import PostgresNIO
import Watch

extension PostgresStore {
    /// One kind of history row and the statement that deletes a batch of it: `$1` the cutoff
    /// (Unix seconds), `$2` the batch size. Each reads an index of the initial migration
    /// (the dead entries, `outbox_due`), so a batch costs its own rows, not a scan of the table.
    struct PruneTarget {
        var table: WritableKeyPath<PruneReport, Int>
        var sql: String
    }

    static var pruneTargets: [PruneTarget] {
        [
        // The newest cycle stays however old: `MAX(id)` is the cycle count. So does the newest
        // complete one: without it `hasBaseline` turns false after an API outage longer than the
        // retention, and the next cycle would be a silent baseline.
        PruneTarget(table: \.cycles, sql: """
            DELETE FROM cycles WHERE id IN (
                SELECT id FROM cycles
                WHERE started_at < $1 AND id < (SELECT MAX(id) FROM cycles)
                  AND id <> COALESCE((SELECT id FROM cycles WHERE result IN ('complete', 'baseline')
                                      ORDER BY id DESC LIMIT 1), 0)
                LIMIT $2)
            """),
        PruneTarget(table: \.events, sql: """
            DELETE FROM events WHERE id IN (SELECT id FROM events WHERE detected_at < $1 LIMIT $2)
            """),
        // Muted events are events too (counted with them), and go when they do.
        PruneTarget(table: \.events, sql: """
            DELETE FROM silenced_events WHERE id IN (SELECT id FROM silenced_events WHERE detected_at < $1 LIMIT $2)
            """),
        PruneTarget(table: \.outbox, sql: """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE state = 'delivered' AND delivered_at < $1 LIMIT $2)
            """),
        // A dead entry's `next_attempt_at` is the time it died (see `markFailed`). Pending
        // entries are never named here: they are notifications still owed.
        PruneTarget(table: \.outbox, sql: """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE state = 'dead' AND next_attempt_at < $1 LIMIT $2)
            """),
        // The history by the time its cycle recorded it, the delivery log by the attempt's:
        // kept exactly as long as the events and the outbox entries they tell about.
        PruneTarget(table: \.history, sql: """
            DELETE FROM history WHERE id IN (SELECT id FROM history WHERE recorded_at < $1 LIMIT $2)
            """),
        PruneTarget(table: \.history, sql: """
            DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE started_at < $1 LIMIT $2)
            """),
        ]
    }

    public func prune(before cutoff: Date, batchSize: Int, maxBatches: Int) async throws -> PruneReport {
        let size = Int64(max(1, batchSize))
        let budget = max(1, maxBatches)
        var report = PruneReport()
        for target in Self.pruneTargets {
            // Each batch its own transaction: a long prune never holds locks for long, and
            // autovacuum reclaims the deleted rows for the next inserts.
            for batch in 1...budget {
                var binds = Self.binds(cutoff.timeIntervalSince1970)
                binds.append(size)
                let query = PostgresQuery(unsafeSQL: target.sql, binds: binds)
                let deleted = try await transaction { connection in try await execute(query, on: connection) }
                report[keyPath: target.table] += deleted
                if deleted < size { break }
                if batch == budget { report.incomplete = true }
            }
        }
        return report
    }
}
