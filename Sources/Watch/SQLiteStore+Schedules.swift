import Foundation
import GRDB
import Infinipost

extension SQLiteStore {
    /// Every collected digest event, digest time and reminder (see ``Store/scheduledState()``).
    public func scheduledState() async throws -> ScheduledState {
        try await read { db in
            let decoder = JSONDecoder.infinipost()
            var state = ScheduledState()
            let events = try Row.fetchCursor(
                db, sql: "SELECT rule, groupKey, event FROM digest_events ORDER BY detectedAt, rowid")
            while let row = try events.next() {
                let data: Data = row["event"]
                state.digests[row["rule"], default: [:]][row["groupKey"], default: []].append(
                    try decoder.decode(Event.self, from: data))
            }
            for row in try Row.fetchAll(db, sql: "SELECT rule, sentAt FROM digest_runs") {
                state.digestsSentAt[row["rule"]] = Date(timeIntervalSince1970: row["sentAt"])
            }
            for row in try Row.fetchAll(db, sql: "SELECT rule, postId, state FROM reminders") {
                let data: Data = row["state"]
                state.reminders[ReminderKey(rule: row["rule"], postId: row["postId"])] =
                    try decoder.decode(Reminder.self, from: data)
            }
            // The newest cycle that applied a snapshot (retention always keeps it).
            state.lastCycleAt = try Double.fetchOne(
                db, sql: "SELECT startedAt FROM cycles WHERE result IN ('complete', 'baseline') ORDER BY id DESC LIMIT 1"
            ).map(Date.init(timeIntervalSince1970:))
            return state
        }
    }

    /// Writes a commit's digest and reminder changes, in its transaction: a sent digest's
    /// events go before the newly collected ones are added.
    static func commitSchedules(_ commit: CycleCommit, encoded: ScheduleRows, in db: Database) throws {
        let sent = try db.cachedStatement(sql: """
            INSERT INTO digest_runs (rule, sentAt) VALUES (?, ?)
            ON CONFLICT (rule) DO UPDATE SET sentAt = excluded.sentAt
            """)
        for (rule, date) in commit.digestsSent {
            try db.execute(sql: "DELETE FROM digest_events WHERE rule = ?", arguments: [rule])
            try sent.execute(arguments: [rule, date.timeIntervalSince1970])
        }
        let collect = try db.cachedStatement(sql: """
            INSERT INTO digest_events (rule, groupKey, identity, detectedAt, event) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (rule, groupKey, identity) DO NOTHING
            """)
        for (entry, json) in encoded.entries {
            try collect.execute(arguments: [
                entry.rule, entry.groupKey, entry.event.identity, entry.event.detectedAt.timeIntervalSince1970, json,
            ])
        }
        let remind = try db.cachedStatement(sql: """
            INSERT INTO reminders (rule, postId, state) VALUES (?, ?, ?)
            ON CONFLICT (rule, postId) DO UPDATE SET state = excluded.state
            """)
        for (key, json) in encoded.reminders {
            if let json {
                try remind.execute(arguments: [key.rule, key.postId, json])
            } else {
                try db.execute(sql: "DELETE FROM reminders WHERE rule = ? AND postId = ?", arguments: [key.rule, key.postId])
            }
        }
    }

    /// A commit's digest entries and reminders, encoded before its transaction.
    struct ScheduleRows {
        var entries: [(DigestEntry, Data)]
        var reminders: [(ReminderKey, Data?)]

        init(_ commit: CycleCommit, encoder: JSONEncoder) throws {
            entries = try commit.digestEntries.map { ($0, try SQLiteStore.encode($0.event, with: encoder)) }
            reminders = try commit.reminders.sorted { $0.key < $1.key }.map { key, value in
                (key, try value.map { try SQLiteStore.encode($0, with: encoder) })
            }
        }
    }
}
