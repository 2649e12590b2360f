import Foundation
import Infinipost
import PostgresNIO
import Watch

/// A first cycle's posts, staged in the UNLOGGED table `staging_posts` as they are listed.
///
/// Staged posts are not state: nothing reads them but the commit of the first cycle, which
/// moves them into `posts` and empties the table inside its one transaction, so the cycle stays
/// all or nothing; a first cycle that fails (or is killed) leaves rows the next one clears
/// before it starts. A crash of the server empties an UNLOGGED table: the first cycle starts
/// over, as after a killed one.
extension PostgresStore {
    /// Taken by each staging transaction: two batches staged at once (partitions listed in
    /// parallel) must not both decide against the same copy. "pwstage" in ASCII.
    static let stagingLock: Int64 = 0x70_7773_7461_6765

    public func clearStaged() async throws {
        try await transaction { connection in
            try await connection.query("TRUNCATE staging_posts", logger: logger)
            try await checkFence(nil, on: connection)
        }
    }

    public func stage(_ posts: [PostWrite]) async throws {
        if posts.isEmpty { return }
        // The later copy in the lifecycle wins, by the snapshot's own rule: first within the
        // batch, then against the copy already staged.
        var chosen: [String: PostWrite] = [:]
        for write in posts {
            if let kept = chosen[write.post.postId],
               !SnapshotBuilder.prefers(write.post.status, over: kept.post.status, stored: nil)
            {
                continue
            }
            chosen[write.post.postId] = write
        }
        let encoder = JSONEncoder.infinipost()
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.stagingLock))", logger: logger)
            let staged = try await connection.query(
                "SELECT post_id, status FROM staging_posts WHERE post_id = ANY(\(Array(chosen.keys)))", logger: logger)
            for try await (postId, status) in staged.decode((String, String).self) {
                if let candidate = chosen[postId],
                   !SnapshotBuilder.prefers(candidate.post.status, over: PostStatus(rawValue: status), stored: nil)
                {
                    chosen[postId] = nil
                }
            }
            guard !chosen.isEmpty else { return }
            let columns = try PostColumns(chosen.values, encoder: encoder)
            var binds = PostgresBindings()
            let unnest = columns.unnest(binding: &binds)
            let sql = """
                INSERT INTO staging_posts (\(PostColumns.names)) SELECT * FROM \(unnest)
                ON CONFLICT (post_id) DO UPDATE SET \(PostColumns.update)
                """
            try await execute(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection)
            try await checkFence(nil, on: connection)
        }
    }

    public func stagedCount() async throws -> Int {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT COUNT(*) FROM staging_posts", logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    public func stagedPosts(scheduledFrom start: Date) async throws -> [PostWrite] {
        try await withConnection { connection in
            let decoder = JSONDecoder.infinipost()
            // Diff.windowTime(of:) in SQL: a posted post by when it was posted, the rest by their
            // slot (one still ahead is inside any window). By id in byte order, as SQLite sorts.
            let rows = try await connection.query(
                """
                SELECT json, fingerprint FROM staging_posts
                WHERE CASE WHEN status = 'posted' THEN COALESCE(posted_at, scheduled_time) ELSE scheduled_time END
                      >= \(start.timeIntervalSince1970)
                ORDER BY post_id COLLATE "C"
                """, logger: logger)
            var posts: [PostWrite] = []
            for try await (json, fingerprint) in rows.decode((Data, Int64).self) {
                posts.append(PostWrite(post: try Self.decode(Post.self, from: json, with: decoder), fingerprint: fingerprint))
            }
            return posts
        }
    }

    /// Moves the staged posts into `posts` and marks the thresholds they passed (part of a
    /// commit's transaction), then empties the staging table; returns the rows written.
    func commitStaged(_ commit: CycleCommit, on connection: PostgresConnection) async throws -> Int {
        let now = commit.cycle.startedAt.timeIntervalSince1970
        var changed = try await execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO posts (\(PostColumns.names), first_seen_at, updated_at)
                    SELECT \(PostColumns.names), $1, $1 FROM staging_posts
                    ON CONFLICT (post_id) DO UPDATE SET \(PostColumns.update), updated_at = excluded.updated_at
                    """,
                binds: Self.binds(now)),
            on: connection)
        let thresholds = Set(commit.overdueThresholds.filter { $0 >= 0 }).map(Int64.init)
        if !thresholds.isEmpty {
            let overdueStatuses = Self.sqlList(PostStatus.documented.filter(Diff.canBeOverdue).map(\.rawValue))
            // `now > scheduledTime + threshold`, as the diff tests it for the posts it holds.
            changed += try await execute(
                """
                INSERT INTO overdue (post_id, seconds, emitted_at)
                SELECT s.post_id, t.seconds, \(now) FROM staging_posts s, unnest(\(thresholds)::int8[]) AS t(seconds)
                WHERE s.status IN (\(unescaped: overdueStatuses)) AND s.scheduled_time + t.seconds < \(now)
                ON CONFLICT (post_id, seconds) DO NOTHING
                """, on: connection)
        }
        // TRUNCATE, not DELETE: it is not counted as rows written (nor does it leave dead rows).
        try await connection.query("TRUNCATE staging_posts", logger: logger)
        return changed
    }

    /// Bindings of one value, for a statement written as text.
    static func binds(_ value: Double) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }
}
