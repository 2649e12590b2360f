import Foundation
import GRDB
import Timekeeping

extension SQLiteStore {
    private static let columns = """
        id, idempotencyKey, channel, rule, payload, state, attempts, createdAt, nextAttemptAt,
        lastError, deliveredAt, recipients
        """

    public func due(at now: Date, limitPerChannel: Int) async throws -> [OutboxEntry] {
        try await read { db in
            // Ranked within each channel, so that one channel with thousands of due entries
            // cannot fill the answer and starve the others (issue 11, defect 2).
            try Row.fetchAll(
                db, sql: """
                    SELECT \(Self.columns) FROM (
                        SELECT \(Self.columns),
                               ROW_NUMBER() OVER (PARTITION BY channel ORDER BY nextAttemptAt, id) AS rank
                        FROM outbox
                        WHERE state = 'pending' AND nextAttemptAt <= ?
                    )
                    WHERE rank <= ?
                    ORDER BY nextAttemptAt, id
                    """, arguments: [now.timeIntervalSince1970, limitPerChannel]
            ).map(Self.entry)
        }
    }

    public func nextAttempt() async throws -> Date? {
        try await read { db in
            // The (state, nextAttemptAt) index answers this without reading any row.
            try Double.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM outbox WHERE state = 'pending'")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    public func markDelivered(_ id: Int64, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date) async throws {
        let recipients = try recipients.map(Self.encoded)
        try await write { db in
            if let attempt { try Self.log(attempt, of: id, outcome: .delivered, error: nil, onlyIfPending: false, in: db) }
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'delivered', deliveredAt = ?, attempts = attempts + 1,
                                      lastError = NULL, recipients = COALESCE(?, recipients)
                    WHERE id = ?
                    """, arguments: [now.timeIntervalSince1970, recipients, id])
        }
    }

    public func markFailed(
        _ id: Int64, error: String, nextAttemptAt: Date?, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date
    ) async throws {
        let recipients = try recipients.map(Self.encoded)
        // A dead entry is never attempted again, so its `nextAttemptAt` records when it died:
        // retention counts from then (`prune`), and `retry` sets it anew.
        try await write { db in
            if let attempt {
                try Self.log(attempt, of: id, outcome: nextAttemptAt == nil ? .dead : .retry, error: error, onlyIfPending: true, in: db)
            }
            if let nextAttemptAt {
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ?,
                                          recipients = COALESCE(?, recipients)
                        WHERE id = ? AND state = 'pending'
                        """, arguments: [error, nextAttemptAt.timeIntervalSince1970, recipients, id])
            } else {
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, lastError = ?, state = 'dead',
                                          recipients = COALESCE(?, recipients), nextAttemptAt = ?
                        WHERE id = ? AND state = 'pending'
                        """, arguments: [error, recipients, now.timeIntervalSince1970, id])
            }
        }
    }

    @discardableResult
    public func markPendingDead(channel: String, error: String, at now: Date) async throws -> Int {
        // The (state, channel, nextAttemptAt, id) index finds the rows.
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'dead', lastError = ?, nextAttemptAt = ?
                    WHERE channel = ? AND state = 'pending'
                    """, arguments: [error, now.timeIntervalSince1970, channel])
            return db.changesCount
        }
    }

    public func entry(_ id: Int64) async throws -> OutboxEntry? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM outbox WHERE id = ?", arguments: [id]).map(Self.entry)
        }
    }

    public func oldestPending(channel: String) async throws -> OutboxEntry? {
        // `outbox_due_by_channel` (state, channel, …) finds the channel's pending rows.
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.columns) FROM outbox WHERE state = 'pending' AND channel = ? ORDER BY id LIMIT 1",
                arguments: [channel]
            ).map(Self.entry)
        }
    }

    public func entries(in state: OutboxEntry.State?, limit: Int) async throws -> [OutboxEntry] {
        try await read { db in
            if let state {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.columns) FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?",
                    arguments: [state.rawValue, limit]
                ).map(Self.entry)
            }
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM outbox ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map(Self.entry)
        }
    }

    public func retry(_ id: Int64, at now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', nextAttemptAt = ?
                    WHERE id = ? AND state IN ('pending', 'dead')
                    """, arguments: [now.timeIntervalSince1970, id])
            guard db.changesCount > 0 else { return false }
            // The addresses given up on are tried again; the delivered ones stay delivered.
            let stored = try String.fetchOne(db, sql: "SELECT recipients FROM outbox WHERE id = ?", arguments: [id])
            if let stored {
                let recipients = Self.recipients(stored).map { recipient in
                    recipient.state == .dead ? OutboxRecipient(address: recipient.address, state: .pending, reply: recipient.reply) : recipient
                }
                try db.execute(sql: "UPDATE outbox SET recipients = ? WHERE id = ?", arguments: [try Self.encoded(recipients), id])
            }
            return true
        }
    }

    public func drop(_ id: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            let dropped = db.changesCount > 0
            // Its delivery log goes with it: nothing could read it any more.
            try db.execute(sql: "DELETE FROM delivery_attempts WHERE outboxId = ?", arguments: [id])
            return dropped
        }
    }

    public func depth() async throws -> [OutboxEntry.State: Int] {
        try await read { db in
            var depth: [OutboxEntry.State: Int] = [:]
            for state in OutboxEntry.State.allCases { depth[state] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS count FROM outbox GROUP BY state") {
                if let state = OutboxEntry.State(rawValue: row["state"]) { depth[state] = row["count"] }
            }
            return depth
        }
    }

    /// Adds an attempt to the entry's delivery log, numbered after the attempts the entry
    /// counted so far; before the mark that counts it, in its transaction. A failure is marked
    /// on a pending entry only (`markFailed`), so is its attempt.
    private static func log(
        _ attempt: DeliveryAttempt, of id: Int64, outcome: DeliveryAttemptRecord.Outcome, error: String?, onlyIfPending: Bool,
        in db: Database
    ) throws {
        let pending = onlyIfPending ? "AND state = 'pending'" : ""
        try db.execute(
            sql: """
                INSERT INTO delivery_attempts (outboxId, number, startedAt, durationMs, outcome, answer, error)
                SELECT id, attempts + 1, ?, ?, ?, ?, ? FROM outbox WHERE id = ? \(pending)
                """,
            arguments: [
                attempt.startedAt.timeIntervalSince1970, Int(attempt.duration.secondsValue * 1000), outcome.rawValue,
                attempt.answer, error, id,
            ])
    }

    private static func entry(_ row: Row) -> OutboxEntry {
        let deliveredAt: Double? = row["deliveredAt"]
        let recipients: String? = row["recipients"]
        return OutboxEntry(
            id: row["id"],
            draft: OutboxDraft(
                idempotencyKey: row["idempotencyKey"], channel: row["channel"], rule: row["rule"],
                payload: row["payload"]),
            state: OutboxEntry.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]),
            nextAttemptAt: Date(timeIntervalSince1970: row["nextAttemptAt"]), lastError: row["lastError"],
            deliveredAt: deliveredAt.map { Date(timeIntervalSince1970: $0) },
            recipients: recipients.map(Self.recipients) ?? [])
    }

    /// The `recipients` column: a JSON array, NULL for an entry sent as a whole.
    private static func encoded(_ recipients: [OutboxRecipient]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(recipients), as: UTF8.self)
    }

    /// A column that does not decode reads as none: the entry then goes to all of the channel's
    /// addresses, which is at least once, as for every notification.
    private static func recipients(_ column: String) -> [OutboxRecipient] {
        (try? JSONDecoder().decode([OutboxRecipient].self, from: Data(column.utf8))) ?? []
    }
}
