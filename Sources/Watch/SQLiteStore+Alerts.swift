import Foundation
import GRDB

extension SQLiteStore {
    /// The open alerts of these posts, read in batches of IDs (SQLite caps a statement's
    /// parameters, and a first cycle's `--since` window can hold thousands of posts).
    public func openAlerts(forPosts postIds: Set<String>) async throws -> Set<OpenAlert> {
        guard !postIds.isEmpty else { return [] }
        let ids = postIds.sorted()
        return try await read { db in
            var alerts = Set<OpenAlert>()
            for start in stride(from: 0, to: ids.count, by: 500) {
                let batch = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rule, postId, channel FROM open_alerts WHERE postId IN (\(marks))",
                    arguments: StatementArguments(batch))
                for row in rows {
                    alerts.insert(OpenAlert(rule: row[0], postId: row[1], channel: row[2]))
                }
            }
            return alerts
        }
    }

    /// Writes a commit's alert changes, in its transaction: opens first (an alert already open
    /// keeps the time it opened), then closes.
    static func commitAlerts(_ commit: CycleCommit, at now: Double, in db: Database) throws {
        let open = try db.cachedStatement(sql: """
            INSERT INTO open_alerts (rule, postId, channel, openedAt) VALUES (?, ?, ?, ?)
            ON CONFLICT (rule, postId, channel) DO NOTHING
            """)
        for alert in commit.openedAlerts {
            try open.execute(arguments: [alert.rule, alert.postId, alert.channel, now])
        }
        let close = try db.cachedStatement(sql: "DELETE FROM open_alerts WHERE rule = ? AND postId = ? AND channel = ?")
        for alert in commit.closedAlerts {
            try close.execute(arguments: [alert.rule, alert.postId, alert.channel])
        }
    }
}
