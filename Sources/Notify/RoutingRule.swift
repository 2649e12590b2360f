import Foundation
import Watch

/// A rule as routing needs it: built from a `Rules.Rule` (see `NotificationRouter(ruleSet:)`),
/// or by hand in tests.
public struct RoutingRule: Sendable {
    public var name: String
    public var severity: String
    /// Channel names, in the rule's order.
    public var channels: [String]
    /// `group by` fields, in the rule's order.
    public var groupBy: [String]
    public var throttle: Duration?
    public var renderer: MessageRenderer
    /// Whether the rule fires for an event found at a time.
    public var matches: @Sendable (Event, Date) -> Bool

    public init(
        name: String, severity: String = "warning", channels: [String], groupBy: [String] = [],
        throttle: Duration? = nil, renderer: MessageRenderer = MessageRenderer(),
        matches: @escaping @Sendable (Event, Date) -> Bool
    ) {
        self.name = name
        self.severity = severity
        self.channels = channels
        self.groupBy = groupBy
        self.throttle = throttle
        self.renderer = renderer
        self.matches = matches
    }

    /// The value of a `group by` field for an event (empty when the post has none).
    public static func groupValue(_ field: String, of event: Event) -> String {
        let post = event.post
        switch field {
        case "postId": return post.postId
        case "accountId": return post.accountId
        case "platform": return post.platform.rawValue
        case "contentType": return post.contentType.rawValue
        case "caption": return post.caption
        case "soundId": return post.soundId ?? ""
        case "timezone": return post.timezone
        case "thumbnailUrl": return post.thumbnailUrl ?? ""
        case "status": return post.status.rawValue
        case "from": return event.from
        case "to": return event.to
        case "event", "kind": return event.kind.rawValue
        default: return ""
        }
    }
}
