import Foundation
import GRDB
import Infinipost

/// A first cycle's posts, staged in the table `staging_posts` as they are listed.
///
/// Staged posts are not state: nothing reads them but the commit of the first cycle, which
/// moves them into `posts` and drops the table inside its one transaction, so the cycle stays
/// all or nothing; a first cycle that fails (or is killed) leaves a table the next one drops
/// before it starts. The table is in the state file, not a TEMP table: SQLite puts TEMP tables
/// in the temporary directory, which is small or in memory where postwatch is deployed (the
/// Kubernetes manifests give /tmp 256 MiB), and a million staged posts take about 700 MB.
extension SQLiteStore {
    public func clearStaged() async throws {
        try await write { db in try db.execute(sql: "DROP TABLE IF EXISTS staging_posts") }
    }

    public func stage(_ posts: [PostWrite]) async throws {
        if posts.isEmpty { return }
        let encoder = JSONEncoder.infinipost()
        let rows = try posts.map { write in (write, try Self.encode(write.post, with: encoder)) }
        try await write { db in
            try Self.createStaging(in: db)
            // The later copy in the lifecycle wins, by the snapshot's own rule (a SQL function).
            let insert = try db.makeStatement(sql: """
                INSERT INTO staging_posts (postId, accountId, platform, contentType, status,
                                          scheduledTime, postedAt, createdAt, fingerprint, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (postId) DO UPDATE SET
                    \(Self.updatePostColumns)
                WHERE \(Self.prefersFunction.name)(excluded.status, staging_posts.status)
                """)
            for (write, json) in rows {
                try insert.execute(arguments: Self.postArguments(write, json: json))
            }
        }
    }

    public func stagedCount() async throws -> Int {
        // A read, not a write that creates the table: nothing staged means no table yet.
        try await read { db in
            guard try db.tableExists("staging_posts") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staging_posts") ?? 0
        }
    }

    public func stagedPosts(scheduledFrom start: Date) async throws -> [PostWrite] {
        try await read { db in
            guard try db.tableExists("staging_posts") else { return [] }
            let decoder = JSONDecoder.infinipost()
            // Diff.windowTime(of:) in SQL: a posted post by when it was posted, the rest by
            // their slot (one still ahead is inside any window).
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT json, fingerprint FROM staging_posts
                    WHERE CASE WHEN status = 'posted' THEN COALESCE(postedAt, scheduledTime) ELSE scheduledTime END >= ?
                    ORDER BY postId
                    """,
                arguments: [start.timeIntervalSince1970]
            ).map { row in
                let json: Data = row["json"]
                do {
                    return PostWrite(post: try decoder.decode(Post.self, from: json), fingerprint: row["fingerprint"])
                } catch {
                    throw StoreError(.encoding, "a staged post does not decode: \(error)")
                }
            }
        }
    }

    /// Moves the staged posts into `posts` and marks the thresholds they passed (part of a
    /// commit's transaction), then drops the staging table.
    static func commitStaged(_ commit: CycleCommit, in db: Database) throws {
        try createStaging(in: db)
        let now = commit.cycle.startedAt.timeIntervalSince1970
        // `WHERE true`: SQLite needs it to read `ON CONFLICT` after `INSERT … SELECT`.
        try db.execute(
            sql: """
                INSERT INTO posts (postId, accountId, platform, contentType, status, scheduledTime,
                                   postedAt, createdAt, fingerprint, json, firstSeenAt, updatedAt)
                SELECT postId, accountId, platform, contentType, status, scheduledTime,
                       postedAt, createdAt, fingerprint, json, ?, ?
                FROM staging_posts WHERE true
                ON CONFLICT (postId) DO UPDATE SET
                    \(Self.updatePostColumns), updatedAt = excluded.updatedAt
                """, arguments: [now, now])
        let overdueStatuses = sqlList(PostStatus.documented.filter(Diff.canBeOverdue).map(\.rawValue))
        for seconds in Set(commit.overdueThresholds.filter { $0 >= 0 }) {
            // `now > scheduledTime + threshold`, as the diff tests it for the posts it holds.
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO overdue (postId, seconds, emittedAt)
                    SELECT postId, ?, ? FROM staging_posts
                    WHERE status IN (\(overdueStatuses)) AND scheduledTime + ? < ?
                    """, arguments: [seconds, now, seconds, now])
        }
        // DROP, not DELETE: it is not counted as rows written.
        try db.execute(sql: "DROP TABLE staging_posts")
    }

    /// Made here rather than by the migrator: the table exists only between a first cycle's
    /// start and its commit.
    private static func createStaging(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS staging_posts (
                postId TEXT PRIMARY KEY, accountId TEXT NOT NULL, platform TEXT NOT NULL,
                contentType TEXT NOT NULL, status TEXT NOT NULL, scheduledTime DOUBLE NOT NULL,
                postedAt DOUBLE, createdAt DOUBLE NOT NULL, fingerprint INTEGER NOT NULL,
                json BLOB NOT NULL)
            """)
    }

    /// `postwatch_prefers(candidate, current)`: ``SnapshotBuilder/prefers(_:over:stored:)`` for
    /// two staged copies of a post that was not stored before.
    static let prefersFunction = DatabaseFunction("postwatch_prefers", argumentCount: 2, pure: true) { values in
        guard let candidate = String.fromDatabaseValue(values[0]), let current = String.fromDatabaseValue(values[1])
        else { return false }
        return SnapshotBuilder.prefers(PostStatus(rawValue: candidate), over: PostStatus(rawValue: current), stored: nil)
    }
}
