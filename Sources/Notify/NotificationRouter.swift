import Crypto
import Foundation
import Infinipost
import Watch

/// The `Router` of postwatch: matches each event against each rule, makes one message per rule
/// and group key per cycle, holds messages back by the rule's throttle (held events are never
/// dropped: they go into the next message), and renders one outbox draft per channel. It
/// reports the rules each event fired in ``Routing/fired``, from the same matches.
///
/// Pure: the same events, time and throttle state give the same drafts with the same
/// idempotency keys, so a cycle re-run after a crash before its commit changes nothing.
public struct NotificationRouter: Router {
    public let rules: [RoutingRule]
    /// Channel kinds by channel name (`slack`, `webhook`, …).
    public let channelKinds: [String: String]
    public let overdueThresholds: [Int]

    public init(rules: [RoutingRule], channelKinds: [String: String], overdueThresholds: [Int] = []) {
        self.rules = rules
        self.channelKinds = channelKinds
        self.overdueThresholds = Array(Set(overdueThresholds)).sorted()
    }

    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        var routing = Routing()
        let ruleNames = Set(rules.map(\.name))
        // Each rule meets each event once: the messages and `fired` read the same answers, so
        // what the app reports as fired is what was routed, held events included.
        let matched = rules.map { rule in events.indices.filter { rule.matches(events[$0], now) } }
        routing.fired = Array(repeating: [], count: events.count)
        for (rule, indices) in zip(rules, matched) {
            for index in indices { routing.fired[index].append(rule.name) }
        }
        for (rule, indices) in zip(rules, matched) {
            let groups = Self.groups(indices.map { events[$0] }, by: rule.groupBy)
            guard let window = rule.throttle else {
                for key in groups.keys.sorted() {
                    guard let group = groups[key] else { continue }
                    routing.notifications += drafts(rule, groupKey: key, events: group, suppressed: nil, now: now)
                }
                continue
            }
            let heldKeys = throttle.keys.filter { $0.rule == rule.name }.map(\.group)
            for key in Set(groups.keys).union(heldKeys).sorted() {
                let throttleKey = ThrottleKey(rule: rule.name, group: key)
                let state = throttle[throttleKey]
                let fresh = groups[key] ?? []
                let isOpen = state?.lastSentAt.map { now.timeIntervalSince($0) >= window.secondsValue } ?? true
                if isOpen {
                    let held = state?.held ?? []
                    let all = Self.merged(held, fresh)
                    if all.isEmpty {
                        // The window passed with nothing to send: forget the key.
                        routing.throttle.updateValue(nil, forKey: throttleKey)
                        continue
                    }
                    let suppressed = held.isEmpty
                        ? nil
                        : NotificationDocument.Suppressed(
                            count: held.count, since: state?.heldSince ?? held.map(\.detectedAt).min() ?? now)
                    routing.notifications += drafts(rule, groupKey: key, events: all, suppressed: suppressed, now: now)
                    routing.throttle.updateValue(ThrottleState(lastSentAt: now), forKey: throttleKey)
                } else if !fresh.isEmpty, let state {
                    let held = Self.merged(state.held, fresh)
                    routing.throttle.updateValue(
                        ThrottleState(lastSentAt: state.lastSentAt, held: held, heldSince: state.heldSince ?? now),
                        forKey: throttleKey)
                }
            }
        }
        // A rule removed from the rules (reload) has nothing left to send its held events to.
        for key in throttle.keys where !ruleNames.contains(key.rule) {
            routing.throttle.updateValue(nil, forKey: key)
        }
        return routing
    }

    /// One draft per channel of the rule for one message.
    func drafts(_ rule: RoutingRule, groupKey: String, events: [Event], suppressed: NotificationDocument.Suppressed?, now: Date) -> [OutboxDraft] {
        let group = events.first.map { event in rule.groupBy.map { (field: $0, value: RoutingRule.groupValue($0, of: event)) } } ?? []
        let subject = MessageSubject(rule: rule.name, severity: rule.severity, group: group, events: events, suppressed: suppressed)
        var drafts: [OutboxDraft] = []
        for channel in rule.channels {
            // The rule checker guarantees every channel exists; a stale name is skipped.
            guard let kind = channelKinds[channel] else { continue }
            let key = Self.idempotencyKey(rule: rule.name, groupKey: groupKey, channel: channel, events: events)
            let message = rule.renderer.render(subject, format: MessageFormat(kindName: kind))
            let document = NotificationDocument(
                idempotencyKey: key, rule: rule.name, severity: rule.severity, channel: channel, channelKind: kind,
                group: Dictionary(group.map { ($0.field, $0.value) }, uniquingKeysWith: { first, _ in first }),
                groupKey: groupKey, createdAt: now, events: events, suppressed: suppressed, message: message)
            guard let payload = try? document.encoded() else { continue }
            drafts.append(OutboxDraft(idempotencyKey: key, channel: channel, rule: rule.name, payload: payload))
        }
        return drafts
    }

    /// A hash of the rule, the group key, the channel and the events' identities (each with the
    /// cycle that found it): the same whenever the same events are routed again, different for
    /// a later occurrence of the same transition.
    public static func idempotencyKey(rule: String, groupKey: String, channel: String, events: [Event]) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            hasher.update(data: Data(text.utf8))
            hasher.update(data: Data([0]))
        }
        add("postwatch/1")
        add(rule)
        add(groupKey)
        add(channel)
        for identity in events.map(Self.identity).sorted() { add(identity) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func identity(_ event: Event) -> String {
        "\(event.kind.rawValue)\u{1}\(event.post.postId)\u{1}\(event.from)\u{1}\(event.to)\u{1}\(event.overdueSeconds ?? -1)"
            + "\u{1}\(event.cycle ?? -1)"
    }

    /// Events by group key (`accountId=acc_1,platform=tiktok`; empty without `group by`).
    static func groups(_ events: [Event], by fields: [String]) -> [String: [Event]] {
        var groups: [String: [Event]] = [:]
        for event in events {
            let key = fields.map { "\($0)=\(RoutingRule.groupValue($0, of: event))" }.joined(separator: ",")
            groups[key, default: []].append(event)
        }
        return groups
    }

    /// Held events then fresh ones, each event once, oldest first.
    static func merged(_ held: [Event], _ fresh: [Event]) -> [Event] {
        var seen = Set<String>()
        var out: [Event] = []
        for event in held + fresh where seen.insert(identity(event)).inserted {
            out.append(event)
        }
        return out
    }
}
