import Foundation
import Rules
import Watch

/// Routing, stage 4 (render): one message of a rule rendered for each of its channels, each
/// with its idempotency key, as outbox drafts.
public struct MessageDrafts: Sendable {
    let rule: Rule
    let renderer: MessageRenderer
    /// Channel kinds by channel name.
    let channelKinds: [String: ChannelKind]

    /// - Parameters:
    ///   - keyGroup: what the idempotency key hashes as the group (a digest's time, a
    ///     reminder's number); the message's group key by default;
    ///   - muted: channels a maintenance window keeps the message from;
    ///   - renderer: a reminder's title instead of the rule's.
    func drafts(
        _ message: ThrottleGate.Message, now: Date, keyGroup: String? = nil, muted: [String: WindowMute.Hold] = [:],
        renderer: MessageRenderer? = nil
    ) -> [OutboxDraft] {
        let group = EventGroups.values(rule.groupBy, of: message.events)
        let subject = MessageSubject(
            rule: rule.name, severity: rule.severity, group: group, events: message.events, suppressed: message.suppressed)
        let renderer = renderer ?? self.renderer
        var drafts: [OutboxDraft] = []
        for channel in rule.channels where muted[channel] == nil {
            // The rule checker guarantees every channel exists; a stale name is skipped.
            guard let kind = channelKinds[channel] else { continue }
            let key = IdempotencyKey.make(
                rule: rule.name, groupKey: keyGroup ?? message.groupKey, channel: channel, events: message.events)
            let document = NotificationDocument(
                idempotencyKey: key, rule: rule.name, severity: rule.severity, channel: channel, channelKind: kind,
                group: Dictionary(group.map { ($0.field, $0.value) }, uniquingKeysWith: { first, _ in first }),
                groupKey: message.groupKey, createdAt: now, events: message.events, suppressed: message.suppressed,
                message: renderer.render(subject, format: kind.format))
            guard let payload = try? document.encoded() else { continue }
            drafts.append(OutboxDraft(idempotencyKey: key, channel: channel, rule: rule.name, payload: payload))
        }
        return drafts
    }

    /// What a channel of `kind` would receive for `events` as one message of `rule`: the
    /// rendering of `drafts`, for `rules test`.
    public static func preview(_ rule: Rule, events: [Event], kind: ChannelKind) -> NotificationDocument.Message {
        let subject = MessageSubject(
            rule: rule.name, severity: rule.severity, group: EventGroups.values(rule.groupBy, of: events), events: events)
        return MessageRenderer(rule: rule).render(subject, format: kind.format)
    }
}
