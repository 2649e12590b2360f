import Foundation
import Rules
import Watch

extension NotificationRouter {
    /// The router for a loaded rule set: every rule, the kinds of its channels, and the
    /// `overdue` thresholds the diff must emit events for.
    public init(ruleSet: RuleSet) {
        self.init(
            rules: ruleSet.rules.map(RoutingRule.init(rule:)),
            channelKinds: ruleSet.channels.mapValues(\.kind.rawValue),
            overdueThresholds: ruleSet.overdueThresholds)
    }
}

extension RoutingRule {
    /// A checked rule of a rule file as routing needs it.
    public init(rule: Rule) {
        self.init(
            name: rule.name, severity: rule.severity.rawValue, channels: rule.channels, groupBy: rule.groupBy,
            throttle: rule.throttle, renderer: MessageRenderer(title: rule.title, body: rule.body)
        ) { event, _ in
            rule.matches(RoutingRule.subject(of: event))
        }
    }

    /// The values a rule reads from an event (`now` is when the event was detected, so that
    /// `age` means the same when a cycle is re-run).
    public static func subject(of event: Event) -> RuleSubject {
        let post = event.post
        let kind: RuleSubject.Kind = switch event.kind {
        case .transition: .transition
        case .overdue: .overdue
        case .deleted: .deleted
        }
        return RuleSubject(
            kind: kind, from: event.from, to: event.to, overdueSeconds: event.overdueSeconds,
            postId: post.postId, accountId: post.accountId, platform: post.platform.rawValue,
            contentType: post.contentType.rawValue, caption: post.caption, timezone: post.timezone,
            soundId: post.soundId, thumbnailUrl: post.thumbnailUrl, status: post.status.rawValue,
            scheduledTime: post.scheduledTime, postedAt: post.postedAt, createdAt: post.createdAt,
            slides: post.contentUrl.urls.count, now: event.detectedAt)
    }
}
