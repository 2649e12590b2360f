import Foundation
import GRDB

extension SQLiteStore {
    /// Writes the cycle's history rows (``CycleCommit/dispositions``), inside its commit.
    static func commitHistory(_ dispositions: [EventDisposition], cycleId: Int64, at now: Double, in db: Database) throws {
        guard !dispositions.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO history (cycleId, recordedAt, rule, postId, kind, fromStatus, toStatus, overdueSeconds,
                                 detectedAt, eventCycle, disposition, channel, idempotencyKey, until, reference)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in dispositions {
            let event = row.event
            let columns = row.disposition.columns
            try insert.execute(arguments: [
                cycleId, now, row.rule, event.post.postId, event.kind.rawValue, event.from, event.to, event.overdueSeconds,
                event.detectedAt.timeIntervalSince1970, event.cycle, columns.kind, row.channel, columns.idempotencyKey,
                columns.until?.timeIntervalSince1970, columns.reference,
            ])
        }
    }

    public func history(_ query: HistoryQuery) async throws -> [HistoryEntry] {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let postId = query.postId {
                conditions.append("h.postId = ?")
                arguments += [postId]
            }
            if let rule = query.rule {
                conditions.append("h.rule = ?")
                arguments += [rule]
            }
            if let channel = query.channel {
                conditions.append("h.channel = ?")
                arguments += [channel]
            }
            if let since = query.since {
                conditions.append("h.recordedAt >= ?")
                arguments += [since.timeIntervalSince1970]
            }
            arguments += [max(0, query.limit)]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            // The newest `limit` rows, handed back oldest first: a history reads like a log.
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM (
                    SELECT h.*, o.id AS outboxId, o.state AS outboxState, o.deliveredAt, o.nextAttemptAt, o.lastError
                    FROM history h LEFT JOIN outbox o ON o.idempotencyKey = h.idempotencyKey
                    \(filter)
                    ORDER BY h.id DESC LIMIT ?)
                ORDER BY id
                """, arguments: arguments)
            let outboxIds = rows.compactMap { $0["outboxId"] as Int64? }
            let attempts = try Self.attempts(of: Set(outboxIds), in: db)
            return rows.compactMap { row in Self.historyEntry(row, attempts: attempts) }
        }
    }

    /// The delivery log of these outbox entries, oldest attempt first.
    private static func attempts(of ids: Set<Int64>, in db: Database) throws -> [Int64: [DeliveryAttemptRecord]] {
        guard !ids.isEmpty else { return [:] }
        var log: [Int64: [DeliveryAttemptRecord]] = [:]
        let placeholders = databaseQuestionMarks(count: ids.count)
        let rows = try Row.fetchAll(db, sql: """
            SELECT outboxId, number, startedAt, durationMs, outcome, answer, error FROM delivery_attempts
            WHERE outboxId IN (\(placeholders)) ORDER BY outboxId, number, id
            """, arguments: StatementArguments(Array(ids)))
        for row in rows {
            guard let outcome = DeliveryAttemptRecord.Outcome(rawValue: row["outcome"]) else { continue }
            log[row["outboxId"], default: []].append(DeliveryAttemptRecord(
                number: row["number"], startedAt: Date(timeIntervalSince1970: row["startedAt"]),
                duration: .milliseconds(row["durationMs"] as Int64), outcome: outcome, answer: row["answer"], error: row["error"]))
        }
        return log
    }

    /// A row of `history` (joined with its outbox entry); nil for a kind of event or
    /// disposition this build does not know.
    private static func historyEntry(_ row: Row, attempts: [Int64: [DeliveryAttemptRecord]]) -> HistoryEntry? {
        let until: Double? = row["until"]
        let columns = Disposition.Columns(
            kind: row["disposition"], channel: row["channel"], idempotencyKey: row["idempotencyKey"],
            until: until.map { Date(timeIntervalSince1970: $0) }, reference: row["reference"])
        guard let disposition = Disposition(columns: columns), let kind = Event.Kind(rawValue: row["kind"]) else { return nil }
        let event = HistoryEntry.EventSummary(
            kind: kind, postId: row["postId"], from: row["fromStatus"], to: row["toStatus"], overdueSeconds: row["overdueSeconds"],
            detectedAt: Date(timeIntervalSince1970: row["detectedAt"]), cycle: row["eventCycle"])
        var notification: HistoryEntry.Notification?
        if let outboxId: Int64 = row["outboxId"] {
            let deliveredAt: Double? = row["deliveredAt"]
            let state = OutboxEntry.State(rawValue: row["outboxState"]) ?? .pending
            let next: Double? = row["nextAttemptAt"]
            notification = HistoryEntry.Notification(
                outboxId: outboxId, state: state, deliveredAt: deliveredAt.map { Date(timeIntervalSince1970: $0) },
                // A dead entry's `nextAttemptAt` is when it died, not a next attempt.
                nextAttemptAt: state == .pending ? next.map { Date(timeIntervalSince1970: $0) } : nil,
                lastError: row["lastError"], attempts: attempts[outboxId] ?? [])
        }
        return HistoryEntry(
            id: row["id"], cycleId: row["cycleId"], recordedAt: Date(timeIntervalSince1970: row["recordedAt"]), rule: row["rule"],
            event: event, disposition: disposition, channel: row["channel"], notification: notification)
    }
}
