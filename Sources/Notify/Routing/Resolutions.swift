import Foundation
import Mustache
import Rules
import Watch

/// Routing, stage 4 (resolve): which alerts of one rule this cycle opens and closes, and the
/// "resolved" notifications it owes (see ``Watch/OpenAlert``).
///
/// An alert (rule, post, channel) opens when a message carrying the post's event is queued to
/// a channel that resolves (``Rule/resolveTriggers(for:)`` not empty), and closes with the
/// first later event of the post that resolves it (``Rule/resolves(_:on:)``), which queues one
/// resolve to that channel. So a resolve goes only where a trigger went, and once: a second
/// resolving event finds the alert closed. A trigger held by the throttle opens nothing until
/// its message goes out; a resolving event that comes meanwhile waits in the throttle state
/// (``ThrottleState/resolving``) and is applied right after that message, unless the post
/// fired the rule again after it.
public struct Resolutions: Sendable {
    let rule: Rule
    /// The rule's channels that resolve, in the rule's order.
    let channels: [(name: String, kind: ChannelKind)]
    /// Resolving events to queue, per channel, in order.
    private(set) var resolved: [String: [Event]] = [:]
    /// Channels a maintenance window keeps this cycle's triggers from: they open nothing (their
    /// resolves still go, so an incident opened before the window closes).
    var muted: [String: WindowMute.Hold] = [:]

    init(rule: Rule, channelKinds: [String: ChannelKind]) {
        self.rule = rule
        channels = rule.channels.compactMap { name in
            guard let kind = channelKinds[name], !rule.resolveTriggers(for: kind).isEmpty else { return nil }
            return (name, kind)
        }
    }

    /// True when no channel of the rule resolves: the stage has nothing to do.
    var isInert: Bool { channels.isEmpty }

    /// A trigger message was queued: its posts' alerts open on every channel that resolves;
    /// then the resolves that waited behind the throttle for it apply.
    mutating func queued(_ message: ThrottleGate.Message, open: inout Set<OpenAlert>) {
        for event in message.events {
            for channel in channels where muted[channel.name] == nil {
                open.insert(OpenAlert(rule: rule.name, postId: event.post.postId, channel: channel.name))
            }
        }
        for event in message.resolving {
            // A post that fired the rule again after the resolving event is in trouble again.
            let triggers = message.events.filter { $0.post.postId == event.post.postId }
            guard let last = triggers.map(Self.order).max(by: <), Self.order(event) > last else { continue }
            resolve(event, subject: RuleSubject(event: event), open: &open)
        }
    }

    /// An event that did not fire the rule: closes the post's open alerts on the channels it
    /// resolves, queuing a resolve to each.
    mutating func resolve(_ event: Event, subject: RuleSubject, open: inout Set<OpenAlert>) {
        for channel in channels where rule.resolves(subject, on: channel.kind) {
            let alert = OpenAlert(rule: rule.name, postId: event.post.postId, channel: channel.name)
            guard open.remove(alert) != nil else { continue }
            // The same resolving event can close the post's alert twice in one routing only when
            // two held messages of the rule (two groups) both carried the post: one resolve says it.
            let identity = IdempotencyKey.identity(event)
            if resolved[channel.name]?.contains(where: { IdempotencyKey.identity($0) == identity }) == true { continue }
            resolved[channel.name, default: []].append(event)
        }
    }

    /// True when `event` resolves the rule on some channel (whether or not an alert is open).
    func resolvesAnywhere(_ subject: RuleSubject) -> Bool {
        channels.contains { rule.resolves(subject, on: $0.kind) }
    }

    /// The cycle's events that did not fire the rule (`fired` are the indices that did): each
    /// closes what it resolves. With a throttle (`throttle`: the rule's states after its gate),
    /// one whose post has a trigger held waits in that state too; returns the states to write.
    mutating func resolve(
        _ events: [Event], subjects: [RuleSubject], except fired: Set<Int>, open: inout Set<OpenAlert>,
        throttle: [ThrottleKey: ThrottleState]?
    ) -> [ThrottleKey: ThrottleState] {
        var state = throttle ?? [:]
        var updates: [ThrottleKey: ThrottleState] = [:]
        for (index, event) in events.enumerated() where !fired.contains(index) && resolvesAnywhere(subjects[index]) {
            resolve(event, subject: subjects[index], open: &open)
            guard throttle != nil else { continue }
            for (key, waiting) in Self.deferred(event, rule: rule.name, state: state) {
                state[key] = waiting
                updates[key] = waiting
            }
        }
        return updates
    }

    /// A resolving event whose post has a trigger held by this rule's throttle: kept in that
    /// throttle state, to apply when the held message goes out. `state` is the rule's throttle
    /// state after this cycle's gate; returns the states to write.
    static func deferred(
        _ event: Event, rule: String, state: [ThrottleKey: ThrottleState]
    ) -> [ThrottleKey: ThrottleState] {
        var updates: [ThrottleKey: ThrottleState] = [:]
        for (key, var value) in state where key.rule == rule && value.held.contains(where: { $0.post.postId == event.post.postId }) {
            let identity = IdempotencyKey.identity(event)
            var resolving = value.resolving ?? []
            guard !resolving.contains(where: { IdempotencyKey.identity($0) == identity }) else { continue }
            resolving.append(event)
            value.resolving = resolving
            updates[key] = value
        }
        return updates
    }

    /// The resolve notifications: one per channel with resolved posts, rendered for its format
    /// with a "Resolved" title and the default body, keyed apart from any trigger.
    func drafts(renderer: MessageRenderer, now: Date) -> [OutboxDraft] {
        var drafts: [OutboxDraft] = []
        for channel in channels {
            guard let events = resolved[channel.name], !events.isEmpty else { continue }
            let key = IdempotencyKey.make(rule: rule.name, groupKey: Self.groupKey, channel: channel.name, events: events)
            let subject = MessageSubject(rule: rule.name, severity: rule.severity, events: events)
            let document = NotificationDocument(
                idempotencyKey: key, rule: rule.name, severity: rule.severity, channel: channel.name, channelKind: channel.kind,
                group: [:], groupKey: "", createdAt: now, events: events, suppressed: nil,
                message: renderer.render(subject, format: channel.kind.format), action: .resolve)
            guard let payload = try? document.encoded() else { continue }
            drafts.append(OutboxDraft(idempotencyKey: key, channel: channel.name, rule: rule.name, payload: payload))
        }
        return drafts
    }

    /// What a resolve's idempotency key hashes as its group: no `group by` value can be it, so
    /// a resolve never shares a key with a trigger.
    static let groupKey = "\u{0}resolve"

    /// The renderer of every resolve: `✅ Resolved: Failed posts: 1 post posted`, the default body.
    static let renderer = MessageRenderer(title: try? MustacheTemplate(string: "✅ Resolved: {{rule}}: {{summary}}"))

    /// The channels of `rule` whose open alert for the post `event` would close, for
    /// `rules test` (which has no store: it says what happens when an alert is open).
    public static func channels(of rule: Rule, resolvedBy event: Event, channelKinds: [String: ChannelKind]) -> [String] {
        let subject = RuleSubject(event: event)
        let stage = Resolutions(rule: rule, channelKinds: channelKinds)
        return stage.channels.filter { rule.resolves(subject, on: $0.kind) }.map(\.name)
    }

    /// The resolve a channel of `kind` would receive for `events` (``MessageDrafts/preview(_:events:kind:)``'s twin).
    public static func preview(_ rule: Rule, events: [Event], kind: ChannelKind) -> NotificationDocument.Message {
        renderer.render(MessageSubject(rule: rule.name, severity: rule.severity, events: events), format: kind.format)
    }

    /// When an event happened, for ordering a deferred resolve against the triggers it waited for.
    static func order(_ event: Event) -> (Int64, Date) { (event.cycle ?? -1, event.detectedAt) }
}
