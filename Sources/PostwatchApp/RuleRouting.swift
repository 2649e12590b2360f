import Foundation
import Notify
import Rules
import Watch

extension RuleSubject {
    /// The values a rule reads, from a cycle's event.
    init(event: Event, now: Date) {
        let post = event.post
        let kind: RuleSubject.Kind =
            switch event.kind {
            case .transition: .transition
            case .overdue: .overdue
            case .deleted: .deleted
            }
        self.init(
            kind: kind, from: event.from, to: event.to, overdueSeconds: event.overdueSeconds,
            postId: post.postId, accountId: post.accountId, platform: post.platform.rawValue,
            contentType: post.contentType.rawValue, caption: post.caption, timezone: post.timezone,
            soundId: post.soundId, thumbnailUrl: post.thumbnailUrl, status: post.status.rawValue,
            scheduledTime: post.scheduledTime, postedAt: post.postedAt, createdAt: post.createdAt,
            slides: post.contentUrl.urls.count, now: now)
    }
}

extension RuleSet {
    /// The router for this rule set: each rule's match, grouping, throttle and templates.
    func router() -> NotificationRouter {
        let routing = rules.map { rule in
            RoutingRule(
                name: rule.name, severity: rule.severity.rawValue, channels: rule.channels, groupBy: rule.groupBy,
                throttle: rule.throttle, renderer: MessageRenderer(title: rule.title, body: rule.body),
                matches: { event, now in rule.matches(RuleSubject(event: event, now: now)) })
        }
        return NotificationRouter(
            rules: routing, channelKinds: channels.mapValues(\.kind.rawValue), overdueThresholds: overdueThresholds)
    }

    /// The rules an event fires, in file order.
    func fired(by event: Event, now: Date) -> [Rule] {
        rules(matching: RuleSubject(event: event, now: now))
    }
}
