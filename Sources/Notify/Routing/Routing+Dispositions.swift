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

    /// Events a silence muted: the rule's as a whole (no channel).
    mutating func recordSilenced(_ silenced: [SilencedEvent]) {
        for muted in silenced {
            dispositions.append(EventDisposition(event: muted.event, rule: muted.rule, disposition: .silenced(silenceId: String(muted.silenceId))))
        }
    }

    /// Events a maintenance window held, from the rule (no channel) or from one channel; also
    /// kept in ``Routing/held`` for the cycle report.
    mutating func recordHeld(_ held: [HeldEvent]) {
        self.held += held
        for hold in held {
            dispositions.append(EventDisposition(
                event: hold.event, rule: hold.rule, disposition: .heldByWindow(window: hold.window, until: hold.until), channel: hold.channel))
        }
    }

    /// Events collected for a digest, sent at its next time.
    mutating func recordCollected(_ entries: [DigestEntry]) {
        for entry in entries {
            dispositions.append(EventDisposition(event: entry.event, rule: entry.rule, disposition: .collectedForDigest(at: entry.sendsAt)))
        }
    }
}
