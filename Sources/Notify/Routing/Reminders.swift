import Foundation
import Mustache
import Rules
import Watch

/// Routing, stage 6 (remind): `repeat every 1h while failed at most 5 times`. A post the rule
/// fired for gets a ``Watch/Reminder``; while it stays in that state, every interval sends the
/// rule's channels one more message about it, saying how long it has been ("still failed after
/// 3h"), until an event of the post ends the state (posted, retried, deleted), the cap is
/// reached, or the rule no longer reminds.
///
/// The state is the store's (``Watch/ScheduledState/reminders``): a reminder is due by the
/// clock, so every cycle looks, with or without events; and its key hashes the reminder's
/// number, so a cycle re-run after a crash before its commit queues the same keys again.
struct Reminders: Sendable {
    /// A reminder that goes out now: the updated reminder (its number is `count`).
    struct Due: Sendable {
        var key: ReminderKey
        var reminder: Reminder
    }

    struct Outcome: Sendable {
        var due: [Due] = []
        /// Reminders to write; nil deletes.
        var updates: [ReminderKey: Reminder?] = [:]
    }

    let rule: Rule
    let policy: ReminderPolicy
    let now: Date

    /// - Parameters:
    ///   - fired: the rule's events routed this cycle (not those a window held);
    ///   - events: every event of the cycle (those of other posts end nothing);
    ///   - stored: the rule's reminders as the store has them;
    ///   - muted: the rule is inside one of its windows (a due reminder waits, uncounted).
    func pass(fired: [Event], events: [Event], stored: [ReminderKey: Reminder], groupKey: (Event) -> String, muted: Bool) -> Outcome {
        var outcome = Outcome()
        var current = stored
        for event in events where ends(event) {
            let key = ReminderKey(rule: rule.name, postId: event.post.postId)
            guard current.removeValue(forKey: key) != nil else { continue }
            outcome.updates.updateValue(nil, forKey: key)
        }
        var opened = Set<ReminderKey>()
        for event in fired where policy.state.statuses.contains(event.post.status.rawValue) {
            let key = ReminderKey(rule: rule.name, postId: event.post.postId)
            let since = policy.state == .overdue ? event.post.scheduledTime : event.detectedAt
            let reminder = Reminder(event: event, groupKey: groupKey(event), since: since, lastNotifiedAt: now)
            current[key] = reminder
            outcome.updates[key] = reminder
            opened.insert(key)
        }
        guard !muted else { return outcome }
        for (key, var reminder) in current.sorted(by: { $0.key < $1.key }) where !opened.contains(key) {
            guard now.timeIntervalSince(reminder.lastNotifiedAt) >= policy.interval.secondsValue else { continue }
            reminder.count += 1
            reminder.lastNotifiedAt = now
            outcome.due.append(Due(key: key, reminder: reminder))
            // The last one allowed: nothing more is owed, the row goes.
            outcome.updates[key] = reminder.count >= policy.limit ? Reminder?.none : reminder
        }
        return outcome
    }

    /// True when `event` takes its post out of the state the reminders wait on.
    func ends(_ event: Event) -> Bool {
        event.kind == .deleted || !policy.state.statuses.contains(event.to)
    }

    /// The message of a due reminder: the rule's body about the post, under a title that says
    /// which reminder it is and for how long the post has been in trouble.
    func message(_ due: Due) -> ThrottleGate.Message {
        ThrottleGate.Message(groupKey: due.reminder.groupKey, events: [due.reminder.event], suppressed: nil)
    }

    /// `🔁 Reminder 2 of 5: {{rule}}: still failed after 3h`.
    func renderer(_ due: Due) -> MessageRenderer {
        let elapsed = Self.elapsed(from: due.reminder.since, to: now)
        let state = policy.state == .failed ? "still failed after \(elapsed)" : "still not posted \(elapsed) after its scheduled time"
        let title = "🔁 Reminder \(due.reminder.count) of \(policy.limit): {{rule}}: \(state)"
        return MessageRenderer(title: try? MustacheTemplate(string: title), body: rule.body)
    }

    /// What a reminder's idempotency key hashes as its group: the reminder's number, apart
    /// from any trigger or resolve.
    static func keyGroup(_ due: Due) -> String {
        "\u{0}reminder\u{0}\(due.reminder.count)\u{0}\(due.reminder.groupKey)"
    }

    /// `3h`, `2h30m`, `45m`: to the minute, at least a minute.
    static func elapsed(from start: Date, to end: Date) -> String {
        let minutes = max(1, Int(end.timeIntervalSince(start) / 60))
        return Duration.seconds(minutes * 60).compactDescription
    }
}
