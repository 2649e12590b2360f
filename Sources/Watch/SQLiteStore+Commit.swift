import Foundation
import GRDB
import Infinipost

extension SQLiteStore {
    /// Applies a complete cycle in one transaction (see ``Store/commit(_:)``).
    ///
    /// Only what changed is written: an unchanged snapshot writes the cycle row and nothing else.
    /// The returned count comes from SQLite's own change counter, so that claim is checkable.
    @discardableResult
    public func commit(_ commit: CycleCommit) async throws -> Int {
        let encoder = JSONEncoder.infinipost()
        // Events and throttle state are encoded before the transaction, to hold the writer for
        // less time; posts are encoded one at a time inside it, since a first cycle over a
        // million posts would otherwise hold a million encoded copies at once.
        let events = try commit.events.map { event in (event, try Self.encode(event.post, with: encoder)) }
        let throttle = try commit.throttle.map { key, state in
            (key, try state.map { try Self.encode($0, with: encoder) })
        }
        let schedules = try ScheduleRows(commit, encoder: encoder)
        return try await write { db in
            let before = db.totalChangesCount
            let now = commit.cycle.startedAt.timeIntervalSince1970
            if commit.includesStaged { try Self.commitStaged(commit, in: db) }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO posts (postId, accountId, platform, contentType, status, scheduledTime,
                                   postedAt, createdAt, fingerprint, json, firstSeenAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (postId) DO UPDATE SET
                    \(Self.updatePostColumns), updatedAt = excluded.updatedAt
                """)
            let clearMiss = try db.cachedStatement(sql: "DELETE FROM misses WHERE postId = ?")
            let postEncoder = JSONEncoder.infinipost()
            for write in commit.upserts {
                let json = try Self.encode(write.post, with: postEncoder)
                try upsert.execute(arguments: Self.postArguments(write, json: json) + [now, now])
            }
            // A changed post was seen: any miss it had is forgotten. Only posts that had one
            // are listed in `misses` by the diff, so this deletes nothing otherwise.
            let setMiss = try db.cachedStatement(sql: """
                INSERT INTO misses (postId, count) VALUES (?, ?)
                ON CONFLICT (postId) DO UPDATE SET count = excluded.count
                """)
            for (postId, count) in commit.misses {
                if count == 0 {
                    try clearMiss.execute(arguments: [postId])
                } else {
                    try setMiss.execute(arguments: [postId, count])
                }
            }
            for postId in commit.deletions {
                try db.execute(sql: "DELETE FROM posts WHERE postId = ?", arguments: [postId])
                try clearMiss.execute(arguments: [postId])
                try db.execute(sql: "DELETE FROM overdue WHERE postId = ?", arguments: [postId])
            }
            let marker = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO overdue (postId, seconds, emittedAt) VALUES (?, ?, ?)
                """)
            for item in commit.newMarkers {
                try marker.execute(arguments: [item.postId, item.seconds, now])
            }
            let setThrottle = try db.cachedStatement(sql: """
                INSERT INTO throttle (rule, groupKey, state) VALUES (?, ?, ?)
                ON CONFLICT (rule, groupKey) DO UPDATE SET state = excluded.state
                """)
            for (key, state) in throttle {
                if let state {
                    try setThrottle.execute(arguments: [key.rule, key.group, state])
                } else {
                    try db.execute(
                        sql: "DELETE FROM throttle WHERE rule = ? AND groupKey = ?",
                        arguments: [key.rule, key.group])
                }
            }
            try Self.commitAlerts(commit, at: now, in: db)
            try Self.commitSchedules(commit, encoded: schedules, in: db)
            let changed = db.totalChangesCount - before
            // The cycle row goes first among the rest so events can point to it.
            let cycleId = try Self.insertCycle(commit.cycle, rowsWritten: changed + 1 + events.count
                + commit.notifications.count + commit.silenced.count + commit.dispositions.count, in: db)
            try Self.commitSilenced(commit, cycleId: cycleId, in: db)
            let insertEvent = try db.cachedStatement(sql: """
                INSERT INTO events (cycleId, kind, fromStatus, toStatus, overdueSeconds, postId,
                                    detectedAt, post)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (event, json) in events {
                try insertEvent.execute(arguments: [
                    cycleId, event.kind.rawValue, event.from, event.to, event.overdueSeconds,
                    event.post.postId, event.detectedAt.timeIntervalSince1970, json,
                ])
            }
            // A key names one notification (rule, group, channel, event occurrences): a key
            // already queued is that notification, queued once. It is skipped, never an error: a
            // collision that failed the transaction would fail every later cycle the same way,
            // and then no change at all would be applied (issue 11, defect 1).
            let enqueue = try db.cachedStatement(sql: """
                INSERT INTO outbox (idempotencyKey, channel, rule, payload, state, attempts,
                                    createdAt, nextAttemptAt)
                VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
                ON CONFLICT (idempotencyKey) DO NOTHING
                """)
            for draft in commit.notifications {
                try enqueue.execute(arguments: [
                    draft.idempotencyKey, draft.channel, draft.rule, draft.payload, now, now,
                ])
            }
            try Self.commitHistory(commit.dispositions, cycleId: cycleId, at: now, in: db)
            return db.totalChangesCount - before
        }
    }

    /// A post row's values from `postId` to `json`, in the column order of every INSERT of a
    /// post (into `posts` or the staging table).
    static func postArguments(_ write: PostWrite, json: Data) -> StatementArguments {
        let post = write.post
        return [
            post.postId, post.accountId, post.platform.rawValue, post.contentType.rawValue,
            post.status.rawValue, post.scheduledTime.timeIntervalSince1970,
            post.postedAt?.timeIntervalSince1970, post.createdAt.timeIntervalSince1970,
            write.fingerprint, json,
        ]
    }

    /// The `SET` list of an upsert into `posts` (or the staging table), `updatedAt` aside.
    static let updatePostColumns = """
        accountId = excluded.accountId, platform = excluded.platform,
        contentType = excluded.contentType, status = excluded.status,
        scheduledTime = excluded.scheduledTime, postedAt = excluded.postedAt,
        createdAt = excluded.createdAt, fingerprint = excluded.fingerprint, json = excluded.json
        """

    static func encode<T: Encodable>(_ value: T, with encoder: JSONEncoder) throws -> Data {
        do {
            return try encoder.encode(value)
        } catch {
            throw StoreError(.encoding, "cannot encode \(T.self): \(error)")
        }
    }
}
