import Foundation
import Rules
import Watch

extension RuleSubject {
    /// The values a rule reads from an event. `now` is when the event was detected, so that
    /// `age` means the same when a cycle is re-run.
    ///
    /// The one conversion from Watch's events to what Rules evaluates (Rules does not import
    /// Watch): the router and `rules test` both go through it.
    public init(event: Event) {
        let post = event.post
        let kind: Kind = switch event.kind {
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
            slides: post.contentUrl.urls.count, now: event.detectedAt)
    }
}
