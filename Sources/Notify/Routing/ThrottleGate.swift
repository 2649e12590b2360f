import Foundation
import Watch

/// Routing, stage 3 (throttle): holds one rule's messages back by its `throttle`. Held events
/// are never dropped: they go into the group's next message, which says how many it carries.
struct ThrottleGate: Sendable {
    /// A message that goes out now: a group's events (held ones first) and what was held.
    struct Message: Sendable {
        var groupKey: String
        var events: [Event]
        var suppressed: NotificationDocument.Suppressed?
        /// Resolving events that came while these events were held (``ThrottleState/resolving``).
        var resolving: [Event] = []
    }

    /// The messages to render, in group key order, and the throttle states to write (`nil`
    /// deletes a key).
    struct Outcome: Sendable {
        var messages: [Message] = []
        var updates: [ThrottleKey: ThrottleState?] = [:]
        /// This cycle's events held back, each with the time its throttle opens (the history's
        /// "held by throttle until"); events held in an earlier cycle are not repeated.
        var held: [(event: Event, until: Date)] = []
    }

    let rule: String
    /// `nil`: no throttle, every group goes out.
    let window: Duration?
    let now: Date

    func pass(_ groups: [String: [Event]], state: [ThrottleKey: ThrottleState]) -> Outcome {
        var outcome = Outcome()
        guard let window else {
            outcome.messages = groups.keys.sorted().map { Message(groupKey: $0, events: groups[$0] ?? [], suppressed: nil) }
            return outcome
        }
        // Groups with held events but nothing new this cycle may be due too.
        let heldKeys = state.keys.filter { $0.rule == rule }.map(\.group)
        for key in Set(groups.keys).union(heldKeys).sorted() {
            let throttleKey = ThrottleKey(rule: rule, group: key)
            let current = state[throttleKey]
            let fresh = groups[key] ?? []
            let isOpen = current?.lastSentAt.map { now.timeIntervalSince($0) >= window.secondsValue } ?? true
            if isOpen {
                let held = current?.held ?? []
                let all = Self.merged(held, fresh)
                if all.isEmpty {
                    // The window passed with nothing to send: forget the key.
                    outcome.updates.updateValue(nil, forKey: throttleKey)
                    continue
                }
                let suppressed = held.isEmpty
                    ? nil
                    : NotificationDocument.Suppressed(
                        count: held.count, since: current?.heldSince ?? held.map(\.detectedAt).min() ?? now)
                outcome.messages.append(
                    Message(groupKey: key, events: all, suppressed: suppressed, resolving: current?.resolving ?? []))
                outcome.updates.updateValue(ThrottleState(lastSentAt: now), forKey: throttleKey)
            } else if !fresh.isEmpty, let current {
                let held = Self.merged(current.held, fresh)
                let opens = (current.lastSentAt ?? now).addingTimeInterval(window.secondsValue)
                outcome.held += fresh.map { (event: $0, until: opens) }
                outcome.updates.updateValue(
                    ThrottleState(
                        lastSentAt: current.lastSentAt, held: held, heldSince: current.heldSince ?? now,
                        resolving: current.resolving),
                    forKey: throttleKey)
            }
        }
        return outcome
    }

    /// Deletes the states of rules no longer loaded (a reload removed them): nothing is left to
    /// send their held events to.
    static func forgotten(_ state: [ThrottleKey: ThrottleState], keeping rules: Set<String>) -> [ThrottleKey: ThrottleState?] {
        var updates: [ThrottleKey: ThrottleState?] = [:]
        for key in state.keys where !rules.contains(key.rule) {
            updates.updateValue(nil, forKey: key)
        }
        return updates
    }

    /// Held events then fresh ones, each event once, oldest first.
    static func merged(_ held: [Event], _ fresh: [Event]) -> [Event] {
        var seen = Set<String>()
        var out: [Event] = []
        for event in held + fresh where seen.insert(IdempotencyKey.identity(event)).inserted {
            out.append(event)
        }
        return out
    }
}
