import Foundation
import PostgresNIO
import Timekeeping
import Watch

extension PostgresStore {
    static let outboxColumns = """
        id, idempotency_key, channel, rule, payload, state, attempts, created_at, next_attempt_at,
        last_error, delivered_at, recipients
        """

    public func nextAttempt() async throws -> Date? {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'", logger: logger)
            for try await time in rows.decode(Double?.self) { return time.map(Date.init(timeIntervalSince1970:)) }
            return nil
        }
    }

    public func markDelivered(_ id: Int64, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date) async throws {
        let recipients = try recipients.map(Self.encoded)
        try await transaction { connection in
            if let attempt { try await log(attempt, of: id, outcome: .delivered, error: nil, onlyIfPending: false, on: connection) }
            try await connection.query(
                """
                UPDATE outbox SET state = 'delivered', delivered_at = \(now.timeIntervalSince1970), attempts = attempts + 1,
                                  last_error = NULL, recipients = COALESCE(\(recipients), recipients),
                                  \(unescaped: Self.releasedClaim)
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func markFailed(
        _ id: Int64, error: String, nextAttemptAt: Date?, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date
    ) async throws {
        let recipients = try recipients.map(Self.encoded)
        // A dead entry is never attempted again, so its `next_attempt_at` records when it died:
        // retention counts from then (`prune`), and `retry` sets it anew.
        try await transaction { connection in
            if let attempt {
                try await log(attempt, of: id, outcome: nextAttemptAt == nil ? .dead : .retry, error: error, onlyIfPending: true, on: connection)
            }
            if let nextAttemptAt {
                try await connection.query(
                    """
                    UPDATE outbox SET attempts = attempts + 1, last_error = \(error),
                                      next_attempt_at = \(nextAttemptAt.timeIntervalSince1970),
                                      recipients = COALESCE(\(recipients), recipients), \(unescaped: Self.releasedClaim)
                    WHERE id = \(id) AND state = 'pending'
                    """, logger: logger)
            } else {
                try await connection.query(
                    """
                    UPDATE outbox SET attempts = attempts + 1, last_error = \(error), state = 'dead',
                                      recipients = COALESCE(\(recipients), recipients), next_attempt_at = \(now.timeIntervalSince1970),
                                      \(unescaped: Self.releasedClaim)
                    WHERE id = \(id) AND state = 'pending'
                    """, logger: logger)
            }
        }
    }

    @discardableResult
    public func markPendingDead(channel: String, error: String, at now: Date) async throws -> Int {
        // `outbox_due_by_channel` (state, channel, …) finds the rows.
        try await transaction { connection in
            try await execute(
                """
                UPDATE outbox SET state = 'dead', last_error = \(error), next_attempt_at = \(now.timeIntervalSince1970),
                                  \(unescaped: Self.releasedClaim)
                WHERE channel = \(channel) AND state = 'pending'
                """, on: connection)
        }
    }

    public func entry(_ id: Int64) async throws -> OutboxEntry? {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE id = \(id)", logger: logger)
            return try await Self.entries(rows).first
        }
    }

    public func oldestPending(channel: String) async throws -> OutboxEntry? {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE state = 'pending' AND channel = \(channel)
                ORDER BY id LIMIT 1
                """, logger: logger)
            return try await Self.entries(rows).first
        }
    }

    public func entries(in state: OutboxEntry.State?, limit: Int) async throws -> [OutboxEntry] {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.outboxColumns) FROM outbox
                WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)
                ORDER BY id DESC LIMIT \(max(0, limit))
                """, logger: logger)
            return try await Self.entries(rows)
        }
    }

    public func retry(_ id: Int64, at now: Date) async throws -> Bool {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE outbox SET state = 'pending', next_attempt_at = \(now.timeIntervalSince1970), \(unescaped: Self.releasedClaim)
                WHERE id = \(id) AND state IN ('pending', 'dead')
                RETURNING recipients
                """, logger: logger)
            var found = false
            var stored: String?
            for try await recipients in rows.decode(String?.self) {
                found = true
                stored = recipients
            }
            guard found else { return false }
            // The addresses given up on are tried again; the delivered ones stay delivered.
            if let stored {
                let recipients = Self.recipients(stored).map { recipient in
                    recipient.state == .dead ? OutboxRecipient(address: recipient.address, state: .pending, reply: recipient.reply) : recipient
                }
                try await connection.query(
                    "UPDATE outbox SET recipients = \(try Self.encoded(recipients)) WHERE id = \(id)", logger: logger)
            }
            return true
        }
    }

    public func drop(_ id: Int64) async throws -> Bool {
        try await transaction { connection in
            let dropped = try await execute("DELETE FROM outbox WHERE id = \(id)", on: connection) > 0
            // Its delivery log goes with it: nothing could read it any more.
            try await connection.query("DELETE FROM delivery_attempts WHERE outbox_id = \(id)", logger: logger)
            return dropped
        }
    }

    public func depth() async throws -> [OutboxEntry.State: Int] {
        try await withConnection { connection in
            var depth: [OutboxEntry.State: Int] = [:]
            for state in OutboxEntry.State.allCases { depth[state] = 0 }
            let rows = try await connection.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", logger: logger)
            for try await (state, count) in rows.decode((String, Int).self) {
                if let state = OutboxEntry.State(rawValue: state) { depth[state] = count }
            }
            return depth
        }
    }

    /// Adds an attempt to the entry's delivery log, numbered after the attempts the entry
    /// counted so far; before the mark that counts it, in its transaction. A failure is marked
    /// on a pending entry only (`markFailed`), so is its attempt.
    private func log(
        _ attempt: DeliveryAttempt, of id: Int64, outcome: DeliveryAttemptRecord.Outcome, error: String?, onlyIfPending: Bool,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO delivery_attempts (outbox_id, number, started_at, duration_ms, outcome, answer, error)
            SELECT id, attempts + 1, \(attempt.startedAt.timeIntervalSince1970), \(Int64(attempt.duration.secondsValue * 1000)),
                   \(outcome.rawValue), \(attempt.answer), \(error)
            FROM outbox WHERE id = \(id) AND (NOT \(onlyIfPending) OR state = 'pending')
            """, logger: logger)
    }

    /// The entries of rows selected as ``outboxColumns``.
    static func entries(_ rows: PostgresRowSequence) async throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        for try await row in rows {
            let (id, key, channel, rule, payload, state, attempts, created, next, lastError, delivered, recipients) = try row.decode(
                (Int64, String, String, String, Data, String, Int, Double, Double, String?, Double?, String?).self)
            entries.append(OutboxEntry(
                id: id, draft: OutboxDraft(idempotencyKey: key, channel: channel, rule: rule, payload: payload),
                state: OutboxEntry.State(rawValue: state) ?? .pending, attempts: attempts,
                createdAt: Date(timeIntervalSince1970: created), nextAttemptAt: Date(timeIntervalSince1970: next),
                lastError: lastError, deliveredAt: delivered.map(Date.init(timeIntervalSince1970:)),
                recipients: recipients.map(Self.recipients) ?? []))
        }
        return entries
    }

    /// The `recipients` column: a JSON array, NULL for an entry sent as a whole.
    private static func encoded(_ recipients: [OutboxRecipient]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encode(recipients, with: encoder), as: UTF8.self)
    }

    /// A column that does not decode reads as none: the entry then goes to all of the channel's
    /// addresses, which is at least once, as for every notification.
    private static func recipients(_ column: String) -> [OutboxRecipient] {
        (try? JSONDecoder().decode([OutboxRecipient].self, from: Data(column.utf8))) ?? []
    }
}
