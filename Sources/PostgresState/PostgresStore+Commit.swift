import Foundation
import Infinipost
import NIOCore
import PostgresNIO
import Watch

extension PostgresStore {
    /// Applies a complete cycle in one transaction (see ``Watch/Store/commit(_:)``).
    ///
    /// Only what changed is written: an unchanged snapshot writes the cycle row and nothing
    /// else. Each kind of row is one statement over arrays (`unnest`), whatever the number of
    /// rows; the returned count adds up the statements' own command tags, so that claim is
    /// checkable.
    @discardableResult
    public func commit(_ commit: CycleCommit) async throws -> Int {
        let encoder = JSONEncoder.infinipost()
        // Encoded before the transaction, to hold it for less time; posts are encoded a chunk at
        // a time inside it (a million changed posts are never all encoded at once).
        let events = try EventColumns(commit.events, encoder: encoder)
        let throttle = try ThrottleColumns(commit.throttle, encoder: encoder)
        let schedules = try ScheduleColumns(commit, encoder: encoder)
        let silenced = try SilencedColumns(commit.silenced, encoder: encoder)
        return try await transaction { connection in
            let now = commit.cycle.startedAt.timeIntervalSince1970
            var changed = 0
            if commit.includesStaged { changed += try await commitStaged(commit, on: connection) }
            for start in stride(from: 0, to: commit.upserts.count, by: Self.chunk) {
                let posts = try PostColumns(commit.upserts[start..<min(start + Self.chunk, commit.upserts.count)], encoder: encoder)
                var binds = PostgresBindings()
                let unnest = posts.unnest(binding: &binds)
                binds.append(now)
                let sql = """
                    INSERT INTO posts (\(PostColumns.names), first_seen_at, updated_at)
                    SELECT p.*, $\(binds.count), $\(binds.count) FROM \(unnest) AS p
                    ON CONFLICT (post_id) DO UPDATE SET \(PostColumns.update), updated_at = excluded.updated_at
                    """
                changed += try await execute(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection)
            }
            // A changed post was seen: any miss it had is forgotten. Only posts that had one are
            // listed in `misses` by the diff.
            let cleared = commit.misses.filter { $0.value == 0 }.map(\.key)
            if !cleared.isEmpty {
                changed += try await execute("DELETE FROM misses WHERE post_id = ANY(\(cleared))", on: connection)
            }
            let missed = commit.misses.filter { $0.value != 0 }
            if !missed.isEmpty {
                changed += try await execute(
                    """
                    INSERT INTO misses (post_id, count)
                    SELECT * FROM unnest(\(missed.map(\.key))::text[], \(missed.map { Int64($0.value) })::int8[])
                    ON CONFLICT (post_id) DO UPDATE SET count = excluded.count
                    """, on: connection)
            }
            if !commit.deletions.isEmpty {
                let ids = commit.deletions
                changed += try await execute("DELETE FROM posts WHERE post_id = ANY(\(ids))", on: connection)
                changed += try await execute("DELETE FROM misses WHERE post_id = ANY(\(ids))", on: connection)
                changed += try await execute("DELETE FROM overdue WHERE post_id = ANY(\(ids))", on: connection)
            }
            if !commit.newMarkers.isEmpty {
                changed += try await execute(
                    """
                    INSERT INTO overdue (post_id, seconds, emitted_at)
                    SELECT m.post_id, m.seconds, \(now)
                    FROM unnest(\(commit.newMarkers.map(\.postId))::text[], \(commit.newMarkers.map { Int64($0.seconds) })::int8[])
                         AS m(post_id, seconds)
                    ON CONFLICT (post_id, seconds) DO NOTHING
                    """, on: connection)
            }
            changed += try await write(throttle, on: connection)
            changed += try await commitAlerts(commit, at: now, on: connection)
            changed += try await write(schedules, on: connection)
            let written = changed + 1 + commit.events.count + commit.notifications.count + commit.silenced.count
                + commit.dispositions.count
            // The cycle row goes first among the rest, so that events can name it.
            let cycleId = try await insertCycle(commit.cycle, rowsWritten: written, on: connection)
            changed += 1
            changed += try await write(silenced, summarized: commit.summarizedSilences, at: now, cycleId: cycleId, on: connection)
            changed += try await write(events, cycleId: cycleId, on: connection)
            changed += try await enqueue(commit.notifications, at: now, on: connection)
            changed += try await commitHistory(commit.dispositions, cycleId: cycleId, at: now, on: connection)
            // Last: the lease row stays locked only until the COMMIT right after (see checkFence).
            try await checkFence(commit.fence, on: connection)
            return changed
        }
    }

    /// A commit's events, encoded before its transaction.
    struct EventColumns {
        var kinds: [String] = []
        var from: [String] = []
        var to: [String] = []
        var overdue: [Int64?] = []
        var postIds: [String] = []
        var detected: [Double] = []
        var posts: [ByteBuffer] = []

        init(_ events: [Event], encoder: JSONEncoder) throws {
            for event in events {
                kinds.append(event.kind.rawValue)
                from.append(event.from)
                to.append(event.to)
                overdue.append(event.overdueSeconds.map(Int64.init))
                postIds.append(event.post.postId)
                detected.append(event.detectedAt.timeIntervalSince1970)
                posts.append(ByteBuffer(bytes: try PostgresStore.encode(event.post, with: encoder)))
            }
        }
    }

    /// Records the events under their cycle, in their order (ids count up as they come).
    func write(_ events: EventColumns, cycleId: Int64, on connection: PostgresConnection) async throws -> Int {
        guard !events.kinds.isEmpty else { return 0 }
        return try await execute(
            """
            INSERT INTO events (cycle_id, kind, from_status, to_status, overdue_seconds, post_id, detected_at, post)
            SELECT \(cycleId), e.kind, e.from_status, e.to_status, e.overdue_seconds, e.post_id, e.detected_at, e.post
            FROM unnest(\(events.kinds)::text[], \(events.from)::text[], \(events.to)::text[],
                        \(PostgresArray(events.overdue))::int8[], \(events.postIds)::text[], \(events.detected)::float8[],
                        \(events.posts)::bytea[])
                 WITH ORDINALITY AS e(kind, from_status, to_status, overdue_seconds, post_id, detected_at, post, position)
            ORDER BY e.position
            """, on: connection)
    }

    /// A commit's throttle changes, encoded before its transaction: states to write, keys to forget.
    struct ThrottleColumns {
        var rules: [String] = []
        var groups: [String] = []
        var states: [ByteBuffer] = []
        var clearedRules: [String] = []
        var clearedGroups: [String] = []

        init(_ throttle: [ThrottleKey: ThrottleState?], encoder: JSONEncoder) throws {
            for (key, state) in throttle {
                if let state {
                    rules.append(key.rule)
                    groups.append(key.group)
                    states.append(ByteBuffer(bytes: try PostgresStore.encode(state, with: encoder)))
                } else {
                    clearedRules.append(key.rule)
                    clearedGroups.append(key.group)
                }
            }
        }
    }

    func write(_ throttle: ThrottleColumns, on connection: PostgresConnection) async throws -> Int {
        var changed = 0
        if !throttle.rules.isEmpty {
            changed += try await execute(
                """
                INSERT INTO throttle (rule, group_key, state)
                SELECT * FROM unnest(\(throttle.rules)::text[], \(throttle.groups)::text[], \(throttle.states)::bytea[])
                ON CONFLICT (rule, group_key) DO UPDATE SET state = excluded.state
                """, on: connection)
        }
        if !throttle.clearedRules.isEmpty {
            changed += try await execute(
                """
                DELETE FROM throttle WHERE (rule, group_key) IN (
                    SELECT * FROM unnest(\(throttle.clearedRules)::text[], \(throttle.clearedGroups)::text[]))
                """, on: connection)
        }
        return changed
    }

    /// Rows a bulk statement takes at most: a chunk of posts is a few MB of binds.
    static let chunk = 5_000

    /// Queues the drafts, in their order (ids count up as they come). A key names one
    /// notification (rule, group, channel, event occurrences): a key already queued is that
    /// notification, queued once; it is skipped, never an error, since a collision that failed
    /// the transaction would fail every later cycle the same way (issue 11, defect 1).
    func enqueue(_ drafts: [OutboxDraft], at now: Double, on connection: PostgresConnection) async throws -> Int {
        guard !drafts.isEmpty else { return 0 }
        let queued = try await execute(
            """
            INSERT INTO outbox (idempotency_key, channel, rule, payload, state, attempts, created_at, next_attempt_at)
            SELECT d.key, d.channel, d.rule, d.payload, 'pending', 0, \(now), \(now)
            FROM unnest(\(drafts.map(\.idempotencyKey))::text[], \(drafts.map(\.channel))::text[], \(drafts.map(\.rule))::text[],
                        \(drafts.map { ByteBuffer(bytes: $0.payload) })::bytea[])
                 WITH ORDINALITY AS d(key, channel, rule, payload, position)
            ORDER BY d.position
            ON CONFLICT (idempotency_key) DO NOTHING
            """, on: connection)
        // Idle replicas deliver now rather than at their next poll (sent at the commit).
        if queued > 0 { try await Self.notifyOutbox(on: connection, logger: logger) }
        return queued
    }
}

/// The columns of a post row from `post_id` to `json`, as arrays: one `unnest` writes them all.
struct PostColumns {
    var ids: [String] = []
    var accounts: [String] = []
    var platforms: [String] = []
    var contentTypes: [String] = []
    var statuses: [String] = []
    var scheduled: [Double] = []
    var posted: [Double?] = []
    var created: [Double] = []
    var fingerprints: [Int64] = []
    var json: [ByteBuffer] = []

    /// The column list every insert of a post (into `posts` or `staging_posts`) names.
    static let names = """
        post_id, account_id, platform, content_type, status, scheduled_time, posted_at, created_at, fingerprint, json
        """

    /// The `SET` list of an upsert of a post, `updated_at` aside.
    static let update = """
        account_id = excluded.account_id, platform = excluded.platform, content_type = excluded.content_type,
        status = excluded.status, scheduled_time = excluded.scheduled_time, posted_at = excluded.posted_at,
        created_at = excluded.created_at, fingerprint = excluded.fingerprint, json = excluded.json
        """

    init(_ writes: some Collection<PostWrite>, encoder: JSONEncoder) throws {
        for array in [\Self.ids, \.accounts, \.platforms, \.contentTypes, \.statuses] as [WritableKeyPath<Self, [String]>] {
            self[keyPath: array].reserveCapacity(writes.count)
        }
        for write in writes {
            let post = write.post
            ids.append(post.postId)
            accounts.append(post.accountId)
            platforms.append(post.platform.rawValue)
            contentTypes.append(post.contentType.rawValue)
            statuses.append(post.status.rawValue)
            scheduled.append(post.scheduledTime.timeIntervalSince1970)
            posted.append(post.postedAt?.timeIntervalSince1970)
            created.append(post.createdAt.timeIntervalSince1970)
            fingerprints.append(write.fingerprint)
            json.append(ByteBuffer(bytes: try PostgresStore.encode(post, with: encoder)))
        }
    }

    /// `unnest(…)` of the ten columns, in the order of ``names``, its arrays appended to `binds`
    /// (a statement that binds more puts its own after them).
    func unnest(binding binds: inout PostgresBindings) -> String {
        let start = binds.count
        binds.append(ids)
        binds.append(accounts)
        binds.append(platforms)
        binds.append(contentTypes)
        binds.append(statuses)
        binds.append(scheduled)
        binds.append(PostgresArray(posted))
        binds.append(created)
        binds.append(fingerprints)
        binds.append(json)
        let types = ["text", "text", "text", "text", "text", "float8", "float8", "float8", "int8", "bytea"]
        return "unnest(" + types.enumerated().map { "$\(start + $0.offset + 1)::\($0.element)[]" }.joined(separator: ", ") + ")"
    }
}
