import Foundation
import PostgresNIO
import Watch

extension PostgresStore {
    /// The open alerts of these posts, in one statement whatever their number (an array
    /// parameter, not a list of placeholders).
    public func openAlerts(forPosts postIds: Set<String>) async throws -> Set<OpenAlert> {
        guard !postIds.isEmpty else { return [] }
        return try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT rule, post_id, channel FROM open_alerts WHERE post_id = ANY(\(Array(postIds)))", logger: logger)
            var alerts = Set<OpenAlert>()
            for try await (rule, postId, channel) in rows.decode((String, String, String).self) {
                alerts.insert(OpenAlert(rule: rule, postId: postId, channel: channel))
            }
            return alerts
        }
    }

    /// Writes a commit's alert changes, in its transaction: opens first (an alert already open
    /// keeps the time it opened), then closes.
    func commitAlerts(_ commit: CycleCommit, at now: Double, on connection: PostgresConnection) async throws -> Int {
        var changed = 0
        let opened = commit.openedAlerts
        if !opened.isEmpty {
            changed += try await execute(
                """
                INSERT INTO open_alerts (rule, post_id, channel, opened_at)
                SELECT a.rule, a.post_id, a.channel, \(now)
                FROM unnest(\(opened.map(\.rule))::text[], \(opened.map(\.postId))::text[], \(opened.map(\.channel))::text[])
                     AS a(rule, post_id, channel)
                ON CONFLICT (rule, post_id, channel) DO NOTHING
                """, on: connection)
        }
        let closed = commit.closedAlerts
        if !closed.isEmpty {
            changed += try await execute(
                """
                DELETE FROM open_alerts WHERE (rule, post_id, channel) IN (
                    SELECT * FROM unnest(\(closed.map(\.rule))::text[], \(closed.map(\.postId))::text[], \(closed.map(\.channel))::text[]))
                """, on: connection)
        }
        return changed
    }
}
