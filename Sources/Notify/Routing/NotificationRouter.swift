import Foundation
import Rules
import Watch

/// The `Router` of postwatch: the rules of a rule set as a pipeline of stages.
///
/// 1. ``RuleMatches``: which events each rule fires for (also ``Routing/fired``);
///    then ``SilenceGate``: the matches an active silence covers, recorded instead (``Routing/silenced``);
/// 2. ``EventGroups``: one message per rule and group key;
/// 3. ``ThrottleGate``: held back by the rule's throttle (held events go into the next message);
/// 4. ``Resolutions``: the alerts the queued messages open, the ones later events close, and
///    the resolves those owe (PagerDuty `resolve`, a chat "resolved" follow-up);
/// 5. ``MessageDrafts``: rendered per channel, keyed by ``IdempotencyKey``.
///
/// Each stage says what became of the events it sent or kept back (``Routing/dispositions``,
/// the history): notified, held by the throttle, muted by a silence, resolved.
///
/// Pure: the same events, time, throttle state, open alerts and silences give the same drafts with the
/// same idempotency keys, so a cycle re-run after a crash before its commit changes nothing.
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

    /// Routes without open alerts: what `rules test` and tools see (no resolve is owed).
    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: [])
    }

    /// Routes without silences (`rules test`, tools).
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>
    ) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: openAlerts, silences: [])
    }

    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence]
    ) -> Routing {
        let matches = RuleMatches(rules: rules, events: events)
        // Silences take matches away before anything is grouped; `fired` still reports them.
        let muted = SilenceGate(silences: silences, at: now).pass(matches, rules: rules, events: events)
        var routing = Routing(fired: matches.fired(rules, eventCount: events.count))
        routing.silenced = muted.silenced
        for silenced in muted.silenced {
            routing.dispositions.append(EventDisposition(
                event: silenced.event, rule: silenced.rule, disposition: .silenced(silenceId: String(silenced.silenceId))))
        }
        // Alerts of rules not loaded (a reload removed them) are left as they are: nothing
        // here names them, and a rule that comes back under its name finds them open.
        var open = openAlerts
        for (index, rule) in rules.enumerated() {
            let groups = EventGroups.grouped(muted.kept[index].map { events[$0] }, by: rule.groupBy)
            let gate = ThrottleGate(rule: rule.name, window: rule.throttle, now: now).pass(groups, state: throttle)
            routing.throttle.merge(gate.updates) { _, new in new }
            let drafts = MessageDrafts(rule: rule, renderer: renderers[index], channelKinds: channelKinds)
            for message in gate.messages {
                let queued = drafts.drafts(message, now: now)
                routing.notifications += queued
                routing.record(message.events, rule: rule.name, notifiedIn: queued)
            }
            // The channels a message would go to (a stale name is skipped, as `MessageDrafts` does).
            routing.recordHeld(gate.held, rule: rule.name, channels: rule.channels.filter { channelKinds[$0] != nil })
            var resolutions = Resolutions(rule: rule, channelKinds: channelKinds)
            guard !resolutions.isInert else { continue }
            for message in gate.messages { resolutions.queued(message, open: &open) }
            let waiting = resolutions.resolve(
                events, subjects: matches.subjects, except: Set(matches.indices[index]), open: &open,
                throttle: rule.throttle == nil ? nil : Self.state(throttle, updatedBy: routing.throttle, rule: rule.name))
            for (key, state) in waiting { routing.throttle.updateValue(state, forKey: key) }
            let resolves = resolutions.drafts(renderer: Resolutions.renderer, now: now)
            routing.notifications += resolves
            routing.record(resolutions.resolved, rule: rule.name, resolvedIn: resolves)
        }
        routing.throttle.merge(ThrottleGate.forgotten(throttle, keeping: Set(rules.map(\.name)))) { _, new in new }
        routing.openedAlerts = open.subtracting(openAlerts).sorted(by: Self.alertOrder)
        routing.closedAlerts = openAlerts.subtracting(open).sorted(by: Self.alertOrder)
        return routing
    }

    /// One rule's throttle states as this routing leaves them.
    static func state(
        _ stored: [ThrottleKey: ThrottleState], updatedBy updates: [ThrottleKey: ThrottleState?], rule: String
    ) -> [ThrottleKey: ThrottleState] {
        var state = stored.filter { $0.key.rule == rule }
        for (key, value) in updates where key.rule == rule {
            state[key] = value
        }
        return state
    }

    static func alertOrder(_ a: OpenAlert, _ b: OpenAlert) -> Bool {
        (a.rule, a.postId, a.channel) < (b.rule, b.postId, b.channel)
    }
}
