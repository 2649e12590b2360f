import Crypto
import Foundation
import Watch

/// Routing, last step: the key of one notification to one channel (webhook `Idempotency-Key`,
/// email `Message-ID`).
///
/// Keys are persisted in the outbox and receivers deduplicate on them: the bytes hashed must
/// never change, or an upgrade would resend what was already delivered (a test pins one key).
enum IdempotencyKey {
    /// A hash of the rule, the group key, the channel and the events' identities (each with the
    /// cycle that found it): the same whenever the same events are routed again, different for
    /// a later occurrence of the same transition.
    static func make(rule: String, groupKey: String, channel: String, events: [Event]) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            hasher.update(data: Data(text.utf8))
            hasher.update(data: Data([0]))
        }
        add("postwatch/1")
        add(rule)
        add(groupKey)
        add(channel)
        for identity in events.map(identity).sorted() { add(identity) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// What makes an event one occurrence: kind, post, transition, overdue threshold, cycle.
    static func identity(_ event: Event) -> String {
        event.identity
    }
}
