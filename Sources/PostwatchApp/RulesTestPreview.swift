import Foundation
import Infinipost
import Notify
import Rules
import Watch

/// Turns a firing rule into the title and body a channel would receive, for `rules test`.
public protocol RulePreviewRenderer: Sendable {
    func render(rule: Rule, channel: ChannelDeclaration, event: Event) -> (title: String, body: String)
}

/// Notify's own rendering (templates, per-channel escaping and limits): what would really be sent.
public struct ChannelPreviewRenderer: RulePreviewRenderer {
    public init() {}

    public func render(rule: Rule, channel: ChannelDeclaration, event: Event) -> (title: String, body: String) {
        let group = rule.groupBy.map { (field: $0, value: RoutingRule.groupValue($0, of: event)) }
        let subject = MessageSubject(rule: rule.name, severity: rule.severity.rawValue, group: group, events: [event])
        let message = MessageRenderer(title: rule.title, body: rule.body)
            .render(subject, format: MessageFormat(kindName: channel.kind.rawValue))
        return (message.title, message.body)
    }
}

extension RulesTestEvent {
    /// The event as the cycle would emit it.
    func event(overdueSeconds: Int?) -> Event {
        let kind: Event.Kind = switch self.kind {
        case .transition: .transition
        case .overdue: .overdue
        case .deleted: .deleted
        }
        return Event(kind: kind, from: from, to: to, overdueSeconds: overdueSeconds, post: post, detectedAt: now)
    }
}
