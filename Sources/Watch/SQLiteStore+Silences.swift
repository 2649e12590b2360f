import Foundation
import GRDB
import Infinipost

extension SQLiteStore {
    public func addSilence(_ draft: SilenceDraft) async throws -> Silence {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO silences (matcher, startsAt, endsAt, createdAt, author, comment, summary)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    draft.matcher, draft.startsAt.timeIntervalSince1970, draft.endsAt.timeIntervalSince1970,
                    draft.createdAt.timeIntervalSince1970, draft.author, draft.comment, draft.summary,
                ])
            return Silence(
                id: db.lastInsertedRowID, matcher: draft.matcher, startsAt: draft.startsAt, endsAt: draft.endsAt,
                createdAt: draft.createdAt, author: draft.author, comment: draft.comment, summary: draft.summary)
        }
    }

    public func silences(endingAfter now: Date?) async throws -> [Silence] {
        try await read { db in
            let rows: [Row]
            if let now {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE endsAt > ? ORDER BY id",
                    arguments: [now.timeIntervalSince1970])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.silenceColumns) FROM silences ORDER BY id")
            }
            return rows.map(Self.silence(from:))
        }
    }

    public func silence(id: Int64) async throws -> Silence? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE id = ?", arguments: [id])
                .map(Self.silence(from:))
        }
    }

    public func expireSilence(id: Int64, at now: Date) async throws -> Silence? {
        try await write { db in
            // Only one still running or pending ends: an expired one keeps when it ended.
            let time = now.timeIntervalSince1970
            try db.execute(
                sql: "UPDATE silences SET endsAt = ?, expiredAt = ? WHERE id = ? AND endsAt > ?",
                arguments: [time, time, id, time])
            return try Row.fetchOne(db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE id = ?", arguments: [id])
                .map(Self.silence(from:))
        }
    }

    public func endedSilences(at now: Date) async throws -> [EndedSilence] {
        try await read { db in
            let silences = try Row.fetchAll(
                db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE summary AND summarizedAt IS NULL AND endsAt <= ? ORDER BY id",
                arguments: [now.timeIntervalSince1970]
            ).map(Self.silence(from:))
            let decoder = JSONDecoder.infinipost()
            return try silences.map { silence in
                let rows = try Row.fetchAll(
                    db, sql: """
                        SELECT rule, kind, fromStatus, toStatus, detectedAt, post FROM silenced_events
                        WHERE silenceId = ? AND post IS NOT NULL ORDER BY id
                        """, arguments: [silence.id])
                let muted = try rows.map { row in
                    let data: Data = row["post"]
                    let event = Event(
                        kind: Event.Kind(rawValue: row["kind"]) ?? .transition, from: row["fromStatus"], to: row["toStatus"],
                        post: try decoder.decode(Post.self, from: data), detectedAt: Date(timeIntervalSince1970: row["detectedAt"]))
                    return SilencedEvent(rule: row["rule"], silenceId: silence.id, event: event)
                }
                return EndedSilence(silence: silence, muted: muted)
            }
        }
    }

    public func silencedEvents(silenceId: Int64?, limit: Int) async throws -> [StoredSilencedEvent] {
        try await read { db in
            let columns = "id, cycleId, rule, silenceId, postId, accountId, kind, fromStatus, toStatus, detectedAt"
            let rows: [Row]
            if let silenceId {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(columns) FROM silenced_events WHERE silenceId = ? ORDER BY id LIMIT ?",
                    arguments: [silenceId, max(0, limit)])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(columns) FROM silenced_events ORDER BY id LIMIT ?", arguments: [max(0, limit)])
            }
            return rows.map { row in
                StoredSilencedEvent(
                    id: row[0], cycleId: row[1], rule: row[2], silenceId: row[3], postId: row[4], accountId: row[5],
                    kind: row[6], from: row[7], to: row[8], detectedAt: Date(timeIntervalSince1970: row[9]))
            }
        }
    }

    /// Writes a commit's muted events under its cycle, in its transaction.
    static func commitSilenced(_ commit: CycleCommit, cycleId: Int64, in db: Database) throws {
        for id in commit.summarizedSilences {
            try db.execute(
                sql: "UPDATE silences SET summarizedAt = ? WHERE id = ?", arguments: [commit.cycle.startedAt.timeIntervalSince1970, id])
        }
        guard !commit.silenced.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO silenced_events (cycleId, silenceId, rule, postId, accountId, kind, fromStatus,
                                         toStatus, detectedAt, post)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let encoder = JSONEncoder.infinipost()
        for muted in commit.silenced {
            let event = muted.event
            try insert.execute(arguments: [
                cycleId, muted.silenceId, muted.rule, event.post.postId, event.post.accountId, event.kind.rawValue,
                event.from, event.to, event.detectedAt.timeIntervalSince1970, try Self.encode(event.post, with: encoder),
            ])
        }
    }

    private static let silenceColumns = "id, matcher, startsAt, endsAt, createdAt, author, comment, expiredAt, summary"

    private static func silence(from row: Row) -> Silence {
        Silence(
            id: row[0], matcher: row[1], startsAt: Date(timeIntervalSince1970: row[2]),
            endsAt: Date(timeIntervalSince1970: row[3]), createdAt: Date(timeIntervalSince1970: row[4]),
            author: row[5], comment: row[6], expiredAt: (row[7] as Double?).map(Date.init(timeIntervalSince1970:)), summary: row[8])
    }
}
