import Foundation
import PostgresNIO
import Watch

extension PostgresStore {
    /// Writes the cycle's history rows (``Watch/CycleCommit/dispositions``), inside its commit.
    func commitHistory(_ dispositions: [EventDisposition], cycleId: Int64, at now: Double, on connection: PostgresConnection)
        async throws -> Int
    {
        guard !dispositions.isEmpty else { return 0 }
        let events = dispositions.map(\.event)
        let columns = dispositions.map(\.disposition.columns)
        return try await execute(
            """
            INSERT INTO history (cycle_id, recorded_at, rule, post_id, kind, from_status, to_status, overdue_seconds,
                                 detected_at, event_cycle, disposition, channel, idempotency_key, until, reference)
            SELECT \(cycleId), \(now), h.rule, h.post_id, h.kind, h.from_status, h.to_status, h.overdue_seconds,
                   h.detected_at, h.event_cycle, h.disposition, h.channel, h.idempotency_key, h.until, h.reference
            FROM unnest(\(dispositions.map(\.rule))::text[], \(events.map(\.post.postId))::text[],
                        \(events.map(\.kind.rawValue))::text[], \(events.map(\.from))::text[], \(events.map(\.to))::text[],
                        \(PostgresArray(events.map { $0.overdueSeconds.map(Int64.init) }))::int8[],
                        \(events.map(\.detectedAt.timeIntervalSince1970))::float8[], \(PostgresArray(events.map(\.cycle)))::int8[],
                        \(columns.map(\.kind))::text[], \(PostgresArray(dispositions.map(\.channel)))::text[],
                        \(PostgresArray(columns.map(\.idempotencyKey)))::text[],
                        \(PostgresArray(columns.map { $0.until?.timeIntervalSince1970 }))::float8[],
                        \(PostgresArray(columns.map(\.reference)))::text[])
                 WITH ORDINALITY AS h(rule, post_id, kind, from_status, to_status, overdue_seconds, detected_at, event_cycle,
                                      disposition, channel, idempotency_key, until, reference, position)
            ORDER BY h.position
            """, on: connection)
    }

    public func history(_ query: HistoryQuery) async throws -> [HistoryEntry] {
        try await snapshot { connection in
            let since = query.since?.timeIntervalSince1970
            // The newest `limit` rows, handed back oldest first: a history reads like a log. A
            // filter not given is a NULL parameter, folded away when the statement is planned.
            let rows = try await connection.query(
                """
                SELECT * FROM (
                    SELECT h.id, h.cycle_id, h.recorded_at, h.rule, h.post_id, h.kind, h.from_status, h.to_status,
                           h.overdue_seconds, h.detected_at, h.event_cycle, h.disposition, h.channel, h.idempotency_key,
                           h.until, h.reference, o.id, o.state, o.delivered_at, o.next_attempt_at, o.last_error
                    FROM history h LEFT JOIN outbox o ON o.idempotency_key = h.idempotency_key
                    WHERE (\(query.postId)::text IS NULL OR h.post_id = \(query.postId))
                      AND (\(query.rule)::text IS NULL OR h.rule = \(query.rule))
                      AND (\(query.channel)::text IS NULL OR h.channel = \(query.channel))
                      AND (\(since)::float8 IS NULL OR h.recorded_at >= \(since))
                    ORDER BY h.id DESC LIMIT \(max(0, query.limit))) newest
                ORDER BY 1
                """, logger: logger)
            var found: [(HistoryEntry, outboxId: Int64?)] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                guard let entry = try Self.historyEntry(cells) else { continue }
                found.append((entry, try cells[16].decode(Int64?.self)))
            }
            let outboxIds = found.compactMap(\.outboxId)
            let attempts = try await self.attempts(of: Array(Set(outboxIds)), on: connection)
            return found.map { entry, outboxId in
                var entry = entry
                if let outboxId { entry.notification?.attempts = attempts[outboxId] ?? [] }
                return entry
            }
        }
    }

    /// The delivery log of these outbox entries, oldest attempt first.
    private func attempts(of ids: [Int64], on connection: PostgresConnection) async throws -> [Int64: [DeliveryAttemptRecord]] {
        guard !ids.isEmpty else { return [:] }
        var log: [Int64: [DeliveryAttemptRecord]] = [:]
        let rows = try await connection.query(
            """
            SELECT outbox_id, number, started_at, duration_ms, outcome, answer, error FROM delivery_attempts
            WHERE outbox_id = ANY(\(ids)) ORDER BY outbox_id, number, id
            """, logger: logger)
        for try await (outboxId, number, started, duration, outcome, answer, error) in rows.decode(
            (Int64, Int, Double, Int64, String, String?, String?).self)
        {
            guard let outcome = DeliveryAttemptRecord.Outcome(rawValue: outcome) else { continue }
            log[outboxId, default: []].append(DeliveryAttemptRecord(
                number: number, startedAt: Date(timeIntervalSince1970: started), duration: .milliseconds(duration),
                outcome: outcome, answer: answer, error: error))
        }
        return log
    }

    /// A row of `history` joined with its outbox entry (columns as `history(_:)` selects them),
    /// its attempts still to fill; nil for a kind of event or disposition this build does not know.
    private static func historyEntry(_ cells: PostgresRandomAccessRow) throws -> HistoryEntry? {
        let columns = Disposition.Columns(
            kind: try cells[11].decode(String.self), channel: try cells[12].decode(String?.self),
            idempotencyKey: try cells[13].decode(String?.self),
            until: try cells[14].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
            reference: try cells[15].decode(String?.self))
        guard let disposition = Disposition(columns: columns), let kind = Event.Kind(rawValue: try cells[5].decode(String.self))
        else { return nil }
        let event = HistoryEntry.EventSummary(
            kind: kind, postId: try cells[4].decode(String.self), from: try cells[6].decode(String.self),
            to: try cells[7].decode(String.self), overdueSeconds: try cells[8].decode(Int?.self),
            detectedAt: Date(timeIntervalSince1970: try cells[9].decode(Double.self)), cycle: try cells[10].decode(Int64?.self))
        var notification: HistoryEntry.Notification?
        if let outboxId = try cells[16].decode(Int64?.self) {
            let state = OutboxEntry.State(rawValue: try cells[17].decode(String.self)) ?? .pending
            let next = try cells[19].decode(Double?.self)
            notification = HistoryEntry.Notification(
                outboxId: outboxId, state: state,
                deliveredAt: try cells[18].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                // A dead entry's `next_attempt_at` is when it died, not a next attempt.
                nextAttemptAt: state == .pending ? next.map(Date.init(timeIntervalSince1970:)) : nil,
                lastError: try cells[20].decode(String?.self), attempts: [])
        }
        return HistoryEntry(
            id: try cells[0].decode(Int64.self), cycleId: try cells[1].decode(Int64.self),
            recordedAt: Date(timeIntervalSince1970: try cells[2].decode(Double.self)), rule: try cells[3].decode(String.self),
            event: event, disposition: disposition, channel: columns.channel, notification: notification)
    }
}
