import Foundation
import GRDB
import Infinipost

extension SQLiteStore {
    /// The schema, one migration per change; never edit a migration that shipped, add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // The last state of every post in scope; `json` is the post as the API gave it
            // (webhook payloads and `deleted` events carry it).
            try db.create(table: "posts") { t in
                t.primaryKey("postId", .text)
                t.column("accountId", .text).notNull()
                t.column("platform", .text).notNull()
                t.column("contentType", .text).notNull()
                t.column("status", .text).notNull()
                t.column("scheduledTime", .double).notNull()
                t.column("postedAt", .double)
                t.column("createdAt", .double).notNull()
                t.column("fingerprint", .integer).notNull()
                t.column("json", .blob).notNull()
                t.column("firstSeenAt", .double).notNull()
                t.column("updatedAt", .double).notNull()
            }
            // Posts absent from the last complete snapshot(s); kept apart so that counting a
            // miss never rewrites a post row. Deleted after the second consecutive miss.
            try db.create(table: "misses") { t in
                t.primaryKey("postId", .text)
                t.column("count", .integer).notNull()
            }
            try db.create(table: "overdue") { t in
                t.column("postId", .text).notNull()
                t.column("seconds", .integer).notNull()
                t.column("emittedAt", .double).notNull()
                t.primaryKey(["postId", "seconds"])
            }
            try db.create(table: "cycles") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .double).notNull()
                t.column("endedAt", .double).notNull()
                t.column("result", .text).notNull()
                t.column("error", .text)
                t.column("posts", .integer).notNull()
                t.column("events", .integer).notNull()
                t.column("notifications", .integer).notNull()
                t.column("listings", .integer).notNull()
                t.column("rowsWritten", .integer).notNull()
            }
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("cycleId", .integer).notNull().indexed()
                t.column("kind", .text).notNull()
                t.column("fromStatus", .text).notNull()
                t.column("toStatus", .text).notNull()
                t.column("overdueSeconds", .integer)
                t.column("postId", .text).notNull().indexed()
                t.column("detectedAt", .double).notNull()
                t.column("post", .blob).notNull()
            }
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                // Unique: a notification is queued once, whatever happens.
                t.column("idempotencyKey", .text).notNull().unique()
                t.column("channel", .text).notNull()
                t.column("rule", .text).notNull()
                t.column("payload", .blob).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("createdAt", .double).notNull()
                t.column("nextAttemptAt", .double).notNull()
                t.column("lastError", .text)
                t.column("deliveredAt", .double)
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["state", "nextAttemptAt"])
            try db.create(table: "throttle") { t in
                t.column("rule", .text).notNull()
                t.column("groupKey", .text).notNull()
                t.column("state", .blob).notNull()
                t.primaryKey(["rule", "groupKey"])
            }
        }
        migrator.registerMigration("v2 posts state index") { db in
            // Covers what a cycle reads of every post (the state, and the values the sweep of
            // undocumented values looks at): those reads scan this index instead of every post
            // row with its JSON, a tenth of the file.
            try db.create(
                index: "posts_state", on: "posts",
                columns: ["postId", "status", "fingerprint", "accountId", "platform", "contentType"])
        }
        migrator.registerMigration("v3 word-digest fingerprints") { db in
            // Fingerprints moved from FNV-1a to `WordDigest`: recomputed here from each stored
            // post, so the first cycle after an upgrade does not rewrite every post.
            // In batches by rowid: never updating the table under an open cursor, never holding
            // a million posts.
            let decoder = JSONDecoder.infinipost()
            let update = try db.makeStatement(sql: "UPDATE posts SET fingerprint = ? WHERE rowid = ?")
            var last: Int64 = .min
            while true {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rowid, json FROM posts WHERE rowid > ? ORDER BY rowid LIMIT 1000", arguments: [last])
                guard let end: Int64 = rows.last?[0] else { break }
                for row in rows {
                    let json: Data = row[1]
                    // A row that does not decode keeps its old fingerprint: rewritten once, as before.
                    guard let post = try? decoder.decode(Post.self, from: json) else { continue }
                    try update.execute(arguments: [PostFingerprint.of(post), row[0] as Int64])
                }
                last = end
            }
        }
        migrator.registerMigration("v4 outbox due by channel") { db in
            // `due` ranks the due entries of each channel apart; this index hands them over in
            // that order instead of sorting every due entry on every poll.
            try db.create(
                index: "outbox_due_by_channel", on: "outbox", columns: ["state", "channel", "nextAttemptAt", "id"])
        }
        migrator.registerMigration("v5 outbox recipients") { db in
            // Email whose server refused some addresses and took the others: what became of each
            // address (JSON, `[OutboxRecipient]`), so a retry goes to the waiting ones only.
            // NULL: sent as a whole, to all of the channel's addresses.
            try db.alter(table: "outbox") { t in
                t.add(column: "recipients", .text)
            }
        }
        migrator.registerMigration("v6 retention indexes") { db in
            // What `prune` looks rows up by (issue 11, "Retention"): without these, each batch
            // would scan the events (every post's JSON) to find what is old. Dead outbox entries
            // are found through `outbox_due` (state, nextAttemptAt).
            try db.create(index: "cycles_started_at", on: "cycles", columns: ["startedAt"])
            try db.create(index: "events_detected_at", on: "events", columns: ["detectedAt"])
            try db.create(index: "outbox_delivered_at", on: "outbox", columns: ["state", "deliveredAt"])
        }
        migrator.registerMigration("v7 open alerts") { db in
            // Alerts a rule raised on a channel that resolves (PagerDuty, `resolve when …`) and
            // has not resolved yet: one row per rule, post and channel, written with the outbox
            // rows that open or close them. Looked up by the posts of a cycle's events.
            try db.create(table: "open_alerts") { t in
                t.column("rule", .text).notNull()
                t.column("postId", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("openedAt", .double).notNull()
                t.primaryKey(["rule", "postId", "channel"])
            }
            try db.create(index: "open_alerts_post", on: "open_alerts", columns: ["postId"])
        }
        migrator.registerMigration("v8 silences") { db in
            // Silences (issue 16): never deleted, an early expiry sets `expiredAt` and moves
            // `endsAt` to it, so what was muted, by whom and why stays answerable. The id is
            // what users type (`silence expire 3`): AUTOINCREMENT never hands one out twice.
            try db.create(table: "silences") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("matcher", .text).notNull()
                t.column("startsAt", .double).notNull()
                t.column("endsAt", .double).notNull()
                t.column("createdAt", .double).notNull()
                t.column("author", .text).notNull()
                t.column("comment", .text).notNull()
                t.column("expiredAt", .double)
            }
            // Each cycle reads the silences not over yet.
            try db.create(index: "silences_ends_at", on: "silences", columns: ["endsAt"])
            // The matched events a silence kept from being notified, written with their cycle:
            // muted, never lost. Self-contained (no JSON of the post) so that a history reads it
            // as it is; pruned with the events, by detection.
            try db.create(table: "silenced_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("cycleId", .integer).notNull()
                t.column("silenceId", .integer).notNull()
                t.column("rule", .text).notNull()
                t.column("postId", .text).notNull()
                t.column("accountId", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("fromStatus", .text).notNull()
                t.column("toStatus", .text).notNull()
                t.column("detectedAt", .double).notNull()
            }
            // `silence show` counts a silence's events; `prune` finds the old ones (as "v6 retention indexes").
            try db.create(index: "silenced_events_silence", on: "silenced_events", columns: ["silenceId"])
            try db.create(index: "silenced_events_detected_at", on: "silenced_events", columns: ["detectedAt"])
        }
        migrator.registerMigration("v9 history") { db in
            // What became of each event for each rule it matched (issue 16, "History"): one row
            // per event, rule and disposition, written with the cycle. The event is kept as its
            // identity, not the post (the events table has that, for as long); a notification is
            // named by its idempotency key and read from the outbox, never copied.
            try db.create(table: "history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("cycleId", .integer).notNull()
                t.column("recordedAt", .double).notNull()
                t.column("rule", .text).notNull()
                t.column("postId", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("fromStatus", .text).notNull()
                t.column("toStatus", .text).notNull()
                t.column("overdueSeconds", .integer)
                t.column("detectedAt", .double).notNull()
                t.column("eventCycle", .integer)
                // `Disposition.Columns`: its word, and what its case fills.
                t.column("disposition", .text).notNull()
                t.column("channel", .text)
                t.column("idempotencyKey", .text)
                t.column("until", .double)
                t.column("reference", .text)
            }
            // Retention and `--since` by time; `--post`, `--rule`, `--channel` each by its own index,
            // whose entries come in rowid order: the newest rows of one post are read from the
            // index's end, without sorting or scanning the table.
            try db.create(index: "history_recorded_at", on: "history", columns: ["recordedAt"])
            try db.create(index: "history_post", on: "history", columns: ["postId"])
            try db.create(index: "history_rule", on: "history", columns: ["rule"])
            try db.create(index: "history_channel", on: "history", columns: ["channel"])
            // The outbox keeps only the last error; each attempt's answer is kept here, by the
            // entry's id, written in the transaction that marks the entry.
            try db.create(table: "delivery_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("outboxId", .integer).notNull()
                t.column("number", .integer).notNull()
                t.column("startedAt", .double).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("answer", .text)
                t.column("error", .text)
            }
            try db.create(index: "delivery_attempts_outbox", on: "delivery_attempts", columns: ["outboxId", "number"])
            try db.create(index: "delivery_attempts_started_at", on: "delivery_attempts", columns: ["startedAt"])
        }
        migrator.registerMigration("v10 digests and reminders") { db in
            // Events a `digest` rule collected, sent at its next digest time (issue 16); the
            // identity keeps an event once when a cycle is re-run.
            try db.create(table: "digest_events") { t in
                t.column("rule", .text).notNull()
                t.column("groupKey", .text).notNull()
                t.column("identity", .text).notNull()
                t.column("detectedAt", .double).notNull()
                t.column("event", .blob).notNull()
                t.primaryKey(["rule", "groupKey", "identity"])
            }
            // Per rule, the digest time last handled: a time missed while down is sent once.
            try db.create(table: "digest_runs") { t in
                t.primaryKey("rule", .text)
                t.column("sentAt", .double).notNull()
            }
            // Posts a `repeat every … while …` rule reminds about, until resolved or capped.
            try db.create(table: "reminders") { t in
                t.column("rule", .text).notNull()
                t.column("postId", .text).notNull()
                t.column("state", .blob).notNull()
                t.primaryKey(["rule", "postId"])
            }
        }
        migrator.registerMigration("v11 silence summaries") { db in
            // `silence add --summary`: when the silence ends, one message per rule says what it
            // muted. The muted event's post is kept for it (JSON, as `events` keeps it); rows
            // from before have none and are left out of a summary.
            try db.alter(table: "silences") { t in
                t.add(column: "summary", .boolean).notNull().defaults(to: false)
                t.add(column: "summarizedAt", .double)
            }
            try db.alter(table: "silenced_events") { t in t.add(column: "post", .blob) }
        }
        return migrator
    }
}
