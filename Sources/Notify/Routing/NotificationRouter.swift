import Foundation
import Rules
import Watch

/// The `Router` of postwatch: the rules of a rule set as a pipeline of stages.
///
/// 1. ``RuleMatches``: which events each rule fires for (also ``Routing/fired``);
///    then ``SilenceGate``: the matches an active silence covers, recorded instead (``Routing/silenced``);
/// 2. ``WindowMute``: a rule inside a `mute during` window holds its events (``Routing/held``),
///    a channel inside its own window receives nothing;
/// 3. ``EventGroups``: one message per rule and group key;
/// 4. ``Digests`` for a `digest` rule (collected, sent at its times), else ``ThrottleGate``:
///    held back by the rule's throttle (held events go into the next message);
/// 5. ``Resolutions``: the alerts the queued messages open, the ones later events close, and
///    the resolves those owe (PagerDuty `resolve`, a chat "resolved" follow-up);
/// 6. ``Reminders``: `repeat every … while …`, owed by the clock;
/// 7. ``MessageDrafts``: rendered per channel, keyed by ``IdempotencyKey``;
/// 8. ``WindowNotices``: a window with `notify` tells its channels it opened or closed.
///
/// Each stage says what became of the events it sent or kept back (``Routing/dispositions``,
/// the history): notified, held by the throttle, muted by a silence, held by a window,
/// collected for a digest, resolved.
///
/// Pure: the same events, time and state (throttle, open alerts, silences,
/// ``Watch/ScheduledState``) give the same drafts with the same idempotency keys, so a cycle
/// re-run after a crash before its commit changes nothing.
public struct NotificationRouter: Router {
    public let rules: [Rule]
    /// Channel kinds by channel name.
    public let channelKinds: [String: ChannelKind]
    /// The maintenance windows of the channels that have some, by channel name.
    public let channelWindows: [String: [MaintenanceWindow]]
    /// Windows with `notify`: their channels are told when they open and close.
    public let noticeWindows: [MaintenanceWindow]
    public let overdueThresholds: [Int]
    /// One per rule: templates are parsed once, not per message.
    private let renderers: [MessageRenderer]

    public init(
        rules: [Rule], channelKinds: [String: ChannelKind], overdueThresholds: [Int] = [],
        channelWindows: [String: [MaintenanceWindow]] = [:], noticeWindows: [MaintenanceWindow] = []
    ) {
        self.noticeWindows = noticeWindows.filter { !$0.notices.isEmpty }.sorted { $0.name < $1.name }
        self.rules = rules
        self.channelKinds = channelKinds
        self.channelWindows = channelWindows.filter { !$0.value.isEmpty }
        self.overdueThresholds = Array(Set(overdueThresholds)).sorted()
        renderers = rules.map(MessageRenderer.init(rule:))
    }

    /// The router for a loaded rule set: every rule, the kinds and windows of its channels, and
    /// the `overdue` thresholds the diff must emit events for.
    public init(ruleSet: RuleSet) {
        self.init(
            rules: ruleSet.rules, channelKinds: ruleSet.channels.mapValues(\.kind), overdueThresholds: ruleSet.overdueThresholds,
            channelWindows: ruleSet.channels.mapValues(\.muteDuring), noticeWindows: Array(ruleSet.windows.values))
    }

    /// Routes without open alerts: what `rules test` and tools see (no resolve is owed).
    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: [], silences: [], scheduled: ScheduledState())
    }

    /// Routes without silences, digests or reminders' state (`rules test`, tools).
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>
    ) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: openAlerts, silences: [], scheduled: ScheduledState())
    }

    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing {
        let matches = RuleMatches(rules: rules, events: events)
        // Silences take matches away before anything is grouped; `fired` still reports them.
        let silenced = SilenceGate(silences: silences, at: now).pass(matches, rules: rules, events: events)
        var routing = Routing(fired: matches.fired(rules, eventCount: events.count))
        routing.silenced = silenced.silenced
        routing.recordSilenced(silenced.silenced)
        // Alerts of rules not loaded (a reload removed them) are left as they are: nothing
        // here names them, and a rule that comes back under its name finds them open.
        var open = openAlerts
        let mute = WindowMute(now: now)
        for (index, rule) in rules.enumerated() {
            let matched = matches.indices[index]
            let (routed, held) = mute.split(silenced.kept[index].map { events[$0] }, rule: rule)
            routing.recordHeld(held)
            let mutedChannels = mute.mutedChannels(of: rule, windows: channelWindows)
            let groups = EventGroups.grouped(routed, by: rule.groupBy)
            let drafts = MessageDrafts(rule: rule, renderer: renderers[index], channelKinds: channelKinds)
            /// Queues a message's drafts, and records where its events went and where not.
            func queue(_ message: ThrottleGate.Message, keyGroup: String? = nil) {
                let queued = keyGroup.map { drafts.drafts(message, now: now, keyGroup: $0, muted: mutedChannels) }
                    ?? drafts.drafts(message, now: now, muted: mutedChannels)
                routing.notifications += queued
                routing.record(message.events, rule: rule.name, notifiedIn: queued)
                routing.recordHeld(WindowMute.held(message.events, rule: rule.name, channels: mutedChannels))
            }
            if rule.digest == nil, let stored = scheduled.digests[rule.name] {
                let flushed = Digests(rule: rule.name, schedule: nil, now: now).flush(stored)
                routing.digestsSent[rule.name] = now
                for message in flushed.messages { queue(message, keyGroup: flushed.keyGroup(message.groupKey)) }
            }
            if let schedule = rule.digest {
                // A digest opens no alerts: it reports what happened, it does not page.
                let digest = Digests(rule: rule.name, schedule: schedule, now: now).pass(
                    groups, stored: scheduled.digests[rule.name] ?? [:], lastHandled: scheduled.digestsSentAt[rule.name])
                routing.digestEntries += digest.collected
                routing.recordCollected(digest.collected)
                if let handled = digest.handled { routing.digestsSent[rule.name] = handled }
                for message in digest.messages { queue(message, keyGroup: digest.keyGroup(message.groupKey)) }
            } else {
                let gate = ThrottleGate(rule: rule.name, window: rule.throttle, now: now).pass(groups, state: throttle)
                routing.throttle.merge(gate.updates) { _, new in new }
                for message in gate.messages { queue(message) }
                // The channels a message would go to (a stale name is skipped, as `MessageDrafts` does).
                routing.recordHeld(gate.held, rule: rule.name, channels: rule.channels.filter { channelKinds[$0] != nil })
                resolve(
                    rule, queued: gate.messages, matches: matches, matched: matched, events: events, now: now,
                    muted: mutedChannels, throttle: throttle, open: &open, routing: &routing)
            }
            if let policy = rule.reminder {
                let stage = Reminders(rule: rule, policy: policy, now: now)
                let reminders = stage.pass(
                    fired: routed, events: events, stored: scheduled.reminders.filter { $0.key.rule == rule.name },
                    groupKey: { EventGroups.key(of: $0, by: rule.groupBy) }, muted: mute.reason(rule.muteDuring) != nil)
                routing.reminders.merge(reminders.updates) { _, new in new }
                for due in reminders.due {
                    let message = stage.message(due)
                    let queued = drafts.drafts(
                        message, now: now, keyGroup: Reminders.keyGroup(due), muted: mutedChannels, renderer: stage.renderer(due))
                    routing.notifications += queued
                    routing.record(message.events, rule: rule.name, notifiedIn: queued)
                }
            }
        }
        routing.throttle.merge(ThrottleGate.forgotten(throttle, keeping: Set(rules.map(\.name)))) { _, new in new }
        // Reminders of a rule that no longer reminds (removed, or its `repeat` taken out) are
        // owed to no one; a digest's collected events stay until the rule's next digest.
        let reminding = Set(rules.filter { $0.reminder != nil }.map(\.name))
        for key in scheduled.reminders.keys where !reminding.contains(key.rule) {
            routing.reminders.updateValue(nil, forKey: key)
        }
        routing.notifications += WindowNotices(now: now, channelKinds: channelKinds).drafts(noticeWindows, since: scheduled.lastCycleAt)
        for ended in scheduled.endedSilences {
            routing.notifications += SilenceSummaries(rules: rules, renderers: renderers, channelKinds: channelKinds, now: now).drafts(ended)
            routing.summarizedSilences.append(ended.silence.id)
        }
        routing.openedAlerts = open.subtracting(openAlerts).sorted(by: Self.alertOrder)
        routing.closedAlerts = openAlerts.subtracting(open).sorted(by: Self.alertOrder)
        return routing
    }

    /// The resolution stage of one rule: the alerts its queued messages open (not on a muted
    /// channel), those the cycle's other events close, and the resolves owed. `matched` is every
    /// event the rule fired for, muted ones included: an event that fires a rule never resolves it.
    private func resolve(
        _ rule: Rule, queued messages: [ThrottleGate.Message], matches: RuleMatches, matched: [Int], events: [Event],
        now: Date, muted: [String: WindowMute.Hold], throttle: [ThrottleKey: ThrottleState], open: inout Set<OpenAlert>,
        routing: inout Routing
    ) {
        var resolutions = Resolutions(rule: rule, channelKinds: channelKinds)
        resolutions.muted = muted
        guard !resolutions.isInert else { return }
        for message in messages { resolutions.queued(message, open: &open) }
        let waiting = resolutions.resolve(
            events, subjects: matches.subjects, except: Set(matched), open: &open,
            throttle: rule.throttle == nil ? nil : Self.state(throttle, updatedBy: routing.throttle, rule: rule.name))
        for (key, state) in waiting { routing.throttle.updateValue(state, forKey: key) }
        let resolves = resolutions.drafts(renderer: Resolutions.renderer, now: now)
        routing.notifications += resolves
        routing.record(resolutions.resolved, rule: rule.name, resolvedIn: resolves)
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
