import Foundation
import Watch

/// How the routing stages record what became of the events (``Routing/dispositions``).
extension Routing {
    /// A message went out: each of its events was notified on every channel it was queued to,
    /// in the notification of that channel's draft.
    mutating func record(_ events: [Event], rule: String, notifiedIn drafts: [OutboxDraft]) {
        for event in events {
            for draft in drafts {
                dispositions.append(EventDisposition(
                    event: event, rule: rule, disposition: .notified(channel: draft.channel, idempotencyKey: draft.idempotencyKey)))
            }
        }
    }

    /// The throttle held these events back from each of the rule's `channels` until it opens.
    mutating func recordHeld(_ held: [(event: Event, until: Date)], rule: String, channels: [String]) {
        for (event, until) in held {
            for channel in channels {
                dispositions.append(EventDisposition(event: event, rule: rule, disposition: .heldByThrottle(until: until), channel: channel))
            }
        }
    }

    /// Resolving events by channel, and the resolve drafts queued for them (one per channel).
    mutating func record(_ resolved: [String: [Event]], rule: String, resolvedIn drafts: [OutboxDraft]) {
        for draft in drafts {
            for event in resolved[draft.channel] ?? [] {
                dispositions.append(EventDisposition(
                    event: event, rule: rule, disposition: .resolved(channel: draft.channel, idempotencyKey: draft.idempotencyKey)))
            }
        }
    }
}
