import Foundation
import Infinipost
import NIOCore
import PostgresNIO
import Watch

extension PostgresStore {
    public func addSilence(_ draft: SilenceDraft) async throws -> Silence {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO silences (matcher, starts_at, ends_at, created_at, author, comment, summary)
                VALUES (\(draft.matcher), \(draft.startsAt.timeIntervalSince1970), \(draft.endsAt.timeIntervalSince1970),
                        \(draft.createdAt.timeIntervalSince1970), \(draft.author), \(draft.comment), \(draft.summary))
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(Int64.self) {
                return Silence(
                    id: id, matcher: draft.matcher, startsAt: draft.startsAt, endsAt: draft.endsAt, createdAt: draft.createdAt,
                    author: draft.author, comment: draft.comment, summary: draft.summary)
            }
            throw StoreError(.database, "the silence was not stored")
        }
    }

    public func silences(endingAfter now: Date?) async throws -> [Silence] {
        try await withConnection { connection in
            let time = now?.timeIntervalSince1970
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.silenceColumns) FROM silences
                WHERE \(time)::float8 IS NULL OR ends_at > \(time) ORDER BY id
                """, logger: logger)
            return try await Self.silences(rows)
        }
    }

    public func silence(id: Int64) async throws -> Silence? {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.silenceColumns) FROM silences WHERE id = \(id)", logger: logger)
            return try await Self.silences(rows).first
        }
    }

    public func expireSilence(id: Int64, at now: Date) async throws -> Silence? {
        try await transaction { connection in
            // Only one still running or pending ends: an expired one keeps when it ended.
            let time = now.timeIntervalSince1970
            try await connection.query(
                "UPDATE silences SET ends_at = \(time), expired_at = \(time) WHERE id = \(id) AND ends_at > \(time)", logger: logger)
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.silenceColumns) FROM silences WHERE id = \(id)", logger: logger)
            return try await Self.silences(rows).first
        }
    }

    public func endedSilences(at now: Date) async throws -> [EndedSilence] {
        try await snapshot { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.silenceColumns) FROM silences
                WHERE summary AND summarized_at IS NULL AND ends_at <= \(now.timeIntervalSince1970) ORDER BY id
                """, logger: logger)
            let silences = try await Self.silences(rows)
            let decoder = JSONDecoder.infinipost()
            var ended: [EndedSilence] = []
            for silence in silences {
                let rows = try await connection.query(
                    """
                    SELECT rule, kind, from_status, to_status, detected_at, post FROM silenced_events
                    WHERE silence_id = \(silence.id) AND post IS NOT NULL ORDER BY id
                    """, logger: logger)
                var muted: [SilencedEvent] = []
                for try await (rule, kind, from, to, detected, post) in rows.decode((String, String, String, String, Double, Data).self) {
                    let event = Event(
                        kind: Event.Kind(rawValue: kind) ?? .transition, from: from, to: to,
                        post: try Self.decode(Post.self, from: post, with: decoder), detectedAt: Date(timeIntervalSince1970: detected))
                    muted.append(SilencedEvent(rule: rule, silenceId: silence.id, event: event))
                }
                ended.append(EndedSilence(silence: silence, muted: muted))
            }
            return ended
        }
    }

    public func silencedEvents(silenceId: Int64?, limit: Int) async throws -> [StoredSilencedEvent] {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, cycle_id, rule, silence_id, post_id, account_id, kind, from_status, to_status, detected_at
                FROM silenced_events WHERE \(silenceId)::int8 IS NULL OR silence_id = \(silenceId)
                ORDER BY id LIMIT \(max(0, limit))
                """, logger: logger)
            var events: [StoredSilencedEvent] = []
            for try await row in rows {
                let (id, cycleId, rule, silence, postId, accountId, kind, from, to, detected) = try row.decode(
                    (Int64, Int64, String, Int64, String, String, String, String, String, Double).self)
                events.append(StoredSilencedEvent(
                    id: id, cycleId: cycleId, rule: rule, silenceId: silence, postId: postId, accountId: accountId, kind: kind,
                    from: from, to: to, detectedAt: Date(timeIntervalSince1970: detected)))
            }
            return events
        }
    }

    /// A commit's muted events, encoded before its transaction.
    struct SilencedColumns {
        var silenceIds: [Int64] = []
        var rules: [String] = []
        var postIds: [String] = []
        var accountIds: [String] = []
        var kinds: [String] = []
        var from: [String] = []
        var to: [String] = []
        var detected: [Double] = []
        var posts: [ByteBuffer] = []

        init(_ silenced: [SilencedEvent], encoder: JSONEncoder) throws {
            for muted in silenced {
                let event = muted.event
                silenceIds.append(muted.silenceId)
                rules.append(muted.rule)
                postIds.append(event.post.postId)
                accountIds.append(event.post.accountId)
                kinds.append(event.kind.rawValue)
                from.append(event.from)
                to.append(event.to)
                detected.append(event.detectedAt.timeIntervalSince1970)
                posts.append(ByteBuffer(bytes: try PostgresStore.encode(event.post, with: encoder)))
            }
        }
    }

    /// Marks the summarised silences done and writes the muted events under their cycle, in
    /// the commit's transaction.
    func write(
        _ silenced: SilencedColumns, summarized: [Int64], at now: Double, cycleId: Int64, on connection: PostgresConnection
    ) async throws -> Int {
        var changed = 0
        if !summarized.isEmpty {
            changed += try await execute(
                "UPDATE silences SET summarized_at = \(now) WHERE id = ANY(\(summarized))", on: connection)
        }
        guard !silenced.rules.isEmpty else { return changed }
        changed += try await execute(
            """
            INSERT INTO silenced_events (cycle_id, silence_id, rule, post_id, account_id, kind, from_status, to_status,
                                         detected_at, post)
            SELECT \(cycleId), s.silence_id, s.rule, s.post_id, s.account_id, s.kind, s.from_status, s.to_status,
                   s.detected_at, s.post
            FROM unnest(\(silenced.silenceIds)::int8[], \(silenced.rules)::text[], \(silenced.postIds)::text[],
                        \(silenced.accountIds)::text[], \(silenced.kinds)::text[], \(silenced.from)::text[],
                        \(silenced.to)::text[], \(silenced.detected)::float8[], \(silenced.posts)::bytea[])
                 WITH ORDINALITY AS s(silence_id, rule, post_id, account_id, kind, from_status, to_status, detected_at, post,
                                      position)
            ORDER BY s.position
            """, on: connection)
        return changed
    }

    private static let silenceColumns = "id, matcher, starts_at, ends_at, created_at, author, comment, expired_at, summary"

    private static func silences(_ rows: PostgresRowSequence) async throws -> [Silence] {
        var silences: [Silence] = []
        for try await (id, matcher, starts, ends, created, author, comment, expired, summary) in rows.decode(
            (Int64, String, Double, Double, Double, String, String, Double?, Bool).self)
        {
            silences.append(Silence(
                id: id, matcher: matcher, startsAt: Date(timeIntervalSince1970: starts), endsAt: Date(timeIntervalSince1970: ends),
                createdAt: Date(timeIntervalSince1970: created), author: author, comment: comment,
                expiredAt: expired.map(Date.init(timeIntervalSince1970:)), summary: summary))
        }
        return silences
    }
}
