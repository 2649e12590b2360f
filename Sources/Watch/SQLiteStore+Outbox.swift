import Foundation
import GRDB

extension SQLiteStore {
    private static let columns = """
        id, idempotencyKey, channel, rule, payload, state, attempts, createdAt, nextAttemptAt,
        lastError, deliveredAt
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

    public func markDelivered(_ id: Int64, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'delivered', deliveredAt = ?, attempts = attempts + 1,
                                      lastError = NULL
                    WHERE id = ?
                    """, arguments: [now.timeIntervalSince1970, id])
        }
    }

    public func markFailed(_ id: Int64, error: String, nextAttemptAt: Date?, at now: Date) async throws {
        // A dead entry is never attempted again, so its `nextAttemptAt` records when it died:
        // retention counts from then (`prune`), and `retry` sets it anew.
        try await write { db in
            if let nextAttemptAt {
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ?
                        WHERE id = ? AND state = 'pending'
                        """, arguments: [error, nextAttemptAt.timeIntervalSince1970, id])
            } else {
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, lastError = ?, state = 'dead',
                                          nextAttemptAt = ?
                        WHERE id = ? AND state = 'pending'
                        """, arguments: [error, now.timeIntervalSince1970, id])
            }
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
            return db.changesCount > 0
        }
    }

    public func drop(_ id: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func depth() async throws -> [OutboxEntry.State: Int] {
        try await read { db in
            var depth: [OutboxEntry.State: Int] = [:]
            for state in OutboxEntry.State.allCases { depth[state] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM outbox GROUP BY state") {
                if let state = OutboxEntry.State(rawValue: row[0]) { depth[state] = row[1] }
            }
            return depth
        }
    }

    private static func entry(_ row: Row) -> OutboxEntry {
        let deliveredAt: Double? = row[10]
        return OutboxEntry(
            id: row[0],
            draft: OutboxDraft(idempotencyKey: row[1], channel: row[2], rule: row[3], payload: row[4]),
            state: OutboxEntry.State(rawValue: row[5]) ?? .pending, attempts: row[6],
            createdAt: Date(timeIntervalSince1970: row[7]),
            nextAttemptAt: Date(timeIntervalSince1970: row[8]), lastError: row[9],
            deliveredAt: deliveredAt.map { Date(timeIntervalSince1970: $0) })
    }
}
