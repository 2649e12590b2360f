import Foundation
import Infinipost
import NIOCore
import PostgresNIO
import Watch

extension PostgresStore {
    /// Every collected digest event, digest time and reminder (see ``Watch/Store/scheduledState()``).
    public func scheduledState() async throws -> ScheduledState {
        try await snapshot { connection in
            let decoder = JSONDecoder.infinipost()
            var state = ScheduledState()
            let events = try await connection.query(
                "SELECT rule, group_key, event FROM digest_events ORDER BY detected_at, seq", logger: logger)
            for try await (rule, group, event) in events.decode((String, String, Data).self) {
                state.digests[rule, default: [:]][group, default: []].append(try Self.decode(Event.self, from: event, with: decoder))
            }
            let runs = try await connection.query("SELECT rule, sent_at FROM digest_runs", logger: logger)
            for try await (rule, sentAt) in runs.decode((String, Double).self) {
                state.digestsSentAt[rule] = Date(timeIntervalSince1970: sentAt)
            }
            let reminders = try await connection.query("SELECT rule, post_id, state FROM reminders", logger: logger)
            for try await (rule, postId, reminder) in reminders.decode((String, String, Data).self) {
                state.reminders[ReminderKey(rule: rule, postId: postId)] = try Self.decode(Reminder.self, from: reminder, with: decoder)
            }
            // The newest cycle that applied a snapshot (retention always keeps it).
            let last = try await connection.query(
                "SELECT started_at FROM cycles WHERE result IN ('complete', 'baseline') ORDER BY id DESC LIMIT 1", logger: logger)
            for try await startedAt in last.decode(Double.self) { state.lastCycleAt = Date(timeIntervalSince1970: startedAt) }
            return state
        }
    }

    /// A commit's digest and reminder changes, encoded before its transaction.
    struct ScheduleColumns {
        var sentRules: [String] = []
        var sentAt: [Double] = []
        var entryRules: [String] = []
        var entryGroups: [String] = []
        var identities: [String] = []
        var detected: [Double] = []
        var entryEvents: [ByteBuffer] = []
        var reminderRules: [String] = []
        var reminderPosts: [String] = []
        var reminders: [ByteBuffer] = []
        var endedRules: [String] = []
        var endedPosts: [String] = []

        init(_ commit: CycleCommit, encoder: JSONEncoder) throws {
            for (rule, date) in commit.digestsSent {
                sentRules.append(rule)
                sentAt.append(date.timeIntervalSince1970)
            }
            for entry in commit.digestEntries {
                entryRules.append(entry.rule)
                entryGroups.append(entry.groupKey)
                identities.append(entry.event.identity)
                detected.append(entry.event.detectedAt.timeIntervalSince1970)
                entryEvents.append(ByteBuffer(bytes: try PostgresStore.encode(entry.event, with: encoder)))
            }
            for (key, reminder) in commit.reminders.sorted(by: { $0.key < $1.key }) {
                if let reminder {
                    reminderRules.append(key.rule)
                    reminderPosts.append(key.postId)
                    reminders.append(ByteBuffer(bytes: try PostgresStore.encode(reminder, with: encoder)))
                } else {
                    endedRules.append(key.rule)
                    endedPosts.append(key.postId)
                }
            }
        }
    }

    /// Writes a commit's digest and reminder changes, in its transaction: a sent digest's
    /// events go before the newly collected ones are added.
    func write(_ schedules: ScheduleColumns, on connection: PostgresConnection) async throws -> Int {
        var changed = 0
        if !schedules.sentRules.isEmpty {
            changed += try await execute("DELETE FROM digest_events WHERE rule = ANY(\(schedules.sentRules))", on: connection)
            changed += try await execute(
                """
                INSERT INTO digest_runs (rule, sent_at) SELECT * FROM unnest(\(schedules.sentRules)::text[], \(schedules.sentAt)::float8[])
                ON CONFLICT (rule) DO UPDATE SET sent_at = excluded.sent_at
                """, on: connection)
        }
        if !schedules.entryRules.isEmpty {
            // In their order: `seq` keeps it for events detected at the same time.
            changed += try await execute(
                """
                INSERT INTO digest_events (rule, group_key, identity, detected_at, event)
                SELECT d.rule, d.group_key, d.identity, d.detected_at, d.event
                FROM unnest(\(schedules.entryRules)::text[], \(schedules.entryGroups)::text[], \(schedules.identities)::text[],
                            \(schedules.detected)::float8[], \(schedules.entryEvents)::bytea[])
                     WITH ORDINALITY AS d(rule, group_key, identity, detected_at, event, position)
                ORDER BY d.position
                ON CONFLICT (rule, group_key, identity) DO NOTHING
                """, on: connection)
        }
        if !schedules.reminderRules.isEmpty {
            changed += try await execute(
                """
                INSERT INTO reminders (rule, post_id, state)
                SELECT * FROM unnest(\(schedules.reminderRules)::text[], \(schedules.reminderPosts)::text[], \(schedules.reminders)::bytea[])
                ON CONFLICT (rule, post_id) DO UPDATE SET state = excluded.state
                """, on: connection)
        }
        if !schedules.endedRules.isEmpty {
            changed += try await execute(
                """
                DELETE FROM reminders WHERE (rule, post_id) IN (
                    SELECT * FROM unnest(\(schedules.endedRules)::text[], \(schedules.endedPosts)::text[]))
                """, on: connection)
        }
        return changed
    }
}
