import Foundation
import Timekeeping
import Watch

/// Routing, stage 3 (digest): a `digest` rule's events are collected and sent as one message
/// per group at the rule's digest times, instead of when they come.
///
/// The store keeps the collected events and the digest time last handled
/// (``Watch/ScheduledState``). A cycle sends when a digest time passed since then: the latest
/// such time, once, so a daemon that was down over several times sends one digest at start,
/// and one restarted between two times sends nothing extra. A rule seen for the first time
/// starts counting from now (nothing is owed from before it existed).
struct Digests: Sendable {
    struct Outcome: Sendable {
        /// One per group with events, in group key order; empty when no time is due.
        var messages: [ThrottleGate.Message] = []
        /// The due time whose messages these are (it keys them), or the first reading.
        var handled: Date?
        /// This cycle's events, to collect when no digest goes out now.
        var collected: [DigestEntry] = []
        /// What the messages' idempotency keys hash as their group: the digest time and the
        /// group, so the digest of 09:00 and that of 17:00 never share a key.
        func keyGroup(_ groupKey: String) -> String {
            "\u{0}digest\u{0}\(handled.map { Int64($0.timeIntervalSince1970) } ?? 0)\u{0}\(groupKey)"
        }
    }

    let rule: String
    /// Nil for a rule that no longer has a digest (``flush(_:)``).
    let schedule: DigestSchedule?
    let now: Date

    /// `groups`: this cycle's events by group key; `stored`: the rule's collected ones.
    func pass(_ groups: [String: [Event]], stored: [String: [Event]], lastHandled: Date?) -> Outcome {
        var outcome = Outcome()
        let sendsAt = schedule?.next(after: now)
        guard let lastHandled else {
            outcome.handled = now
            outcome.collected = Self.entries(groups, rule: rule, sendsAt: sendsAt)
            return outcome
        }
        guard let due = schedule?.latest(after: lastHandled, through: now) else {
            outcome.collected = Self.entries(groups, rule: rule, sendsAt: sendsAt)
            return outcome
        }
        outcome.handled = due
        for key in Set(groups.keys).union(stored.keys).sorted() {
            let events = ThrottleGate.merged(stored[key] ?? [], groups[key] ?? [])
            guard !events.isEmpty else { continue }
            outcome.messages.append(ThrottleGate.Message(groupKey: key, events: events, suppressed: nil))
        }
        return outcome
    }

    /// A rule whose `digest` a reload took out: what it collected goes now, one message per
    /// group, rather than waiting for a digest time that no longer comes.
    func flush(_ stored: [String: [Event]]) -> Outcome {
        var outcome = Outcome()
        outcome.handled = now
        outcome.messages = stored.keys.sorted().compactMap { key in
            stored[key].flatMap { $0.isEmpty ? nil : ThrottleGate.Message(groupKey: key, events: $0, suppressed: nil) }
        }
        return outcome
    }

    static func entries(_ groups: [String: [Event]], rule: String, sendsAt: Date?) -> [DigestEntry] {
        groups.keys.sorted().flatMap { key in
            (groups[key] ?? []).map { DigestEntry(rule: rule, groupKey: key, event: $0, sendsAt: sendsAt) }
        }
    }
}
