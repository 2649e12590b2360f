import Foundation
import Rules
import Watch

/// The `Router` of postwatch: the rules of a rule set as a pipeline of stages.
///
/// 1. ``RuleMatches``: which events each rule fires for (also ``Routing/fired``);
/// 2. ``EventGroups``: one message per rule and group key;
/// 3. ``ThrottleGate``: held back by the rule's throttle (held events go into the next message);
/// 4. ``MessageDrafts``: rendered per channel, keyed by ``IdempotencyKey``.
///
/// Pure: the same events, time and throttle state give the same drafts with the same
/// idempotency keys, so a cycle re-run after a crash before its commit changes nothing.
public struct NotificationRouter: Router {
    public let rules: [Rule]
    /// Channel kinds by channel name.
    public let channelKinds: [String: ChannelKind]
    public let overdueThresholds: [Int]
    /// One per rule: templates are parsed once, not per message.
    private let renderers: [MessageRenderer]

    public init(rules: [Rule], channelKinds: [String: ChannelKind], overdueThresholds: [Int] = []) {
        self.rules = rules
        self.channelKinds = channelKinds
        self.overdueThresholds = Array(Set(overdueThresholds)).sorted()
        renderers = rules.map(MessageRenderer.init(rule:))
    }

    /// The router for a loaded rule set: every rule, the kinds of its channels, and the
    /// `overdue` thresholds the diff must emit events for.
    public init(ruleSet: RuleSet) {
        self.init(rules: ruleSet.rules, channelKinds: ruleSet.channels.mapValues(\.kind), overdueThresholds: ruleSet.overdueThresholds)
    }

    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        let matches = RuleMatches(rules: rules, events: events)
        // Silences (issue 16) go here: they take matches away before anything is grouped, and
        // `fired` still reports them.
        var routing = Routing(fired: matches.fired(rules, eventCount: events.count))
        for (index, rule) in rules.enumerated() {
            let groups = EventGroups.grouped(matches.indices[index].map { events[$0] }, by: rule.groupBy)
            let gate = ThrottleGate(rule: rule.name, window: rule.throttle, now: now).pass(groups, state: throttle)
            routing.throttle.merge(gate.updates) { _, new in new }
            let drafts = MessageDrafts(rule: rule, renderer: renderers[index], channelKinds: channelKinds)
            for message in gate.messages { routing.notifications += drafts.drafts(message, now: now) }
        }
        routing.throttle.merge(ThrottleGate.forgotten(throttle, keeping: Set(rules.map(\.name)))) { _, new in new }
        return routing
    }
}
