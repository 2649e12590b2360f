import Foundation
import Infinipost
import Mustache
import Rules

/// Turns a firing rule into the title and body a channel would receive, for `rules test`.
///
/// The plain renderer below renders the rule's templates (or a default) as text; Notify's
/// per-channel rendering (escaping, limits) can replace it through `RulesTest.Options.renderer`.
public protocol RulePreviewRenderer: Sendable {
    func render(rule: Rule, channel: ChannelDeclaration, context: PreviewContext) -> (title: String, body: String)
}

/// DESIGN.md's template context for one event: `rule`, `severity`, `event`, `count`, `group`,
/// `suppressed`, `more`, and `posts` (each post's fields plus `from`, `to`, `delay`, `scheduledLocal`).
public struct PreviewContext {
    public let values: [String: Any]

    init(rule: Rule, event: RulesTestEvent, subject: RuleSubject) {
        let post = Self.postValues(event: event, subject: subject)
        var group: [String: Any] = [:]
        for field in rule.groupBy { group[field] = post[field] ?? "" }
        // `suppressed` and `more` are left out when zero, so `{{#more}}…{{/more}}` shows only when needed.
        values = [
            "rule": rule.name, "severity": rule.severity.rawValue, "event": event.eventText, "count": 1,
            "group": group, "posts": [post],
        ]
    }

    static func postValues(event: RulesTestEvent, subject: RuleSubject) -> [String: Any] {
        let post = event.post
        var values: [String: Any] = [
            "postId": post.postId, "accountId": post.accountId, "platform": post.platform.rawValue,
            "contentType": post.contentType.rawValue, "caption": post.caption, "timezone": post.timezone,
            "status": post.status.rawValue, "scheduledTime": InfinipostTime.format(post.scheduledTime),
            "createdAt": InfinipostTime.format(post.createdAt), "slides": post.contentUrl.urls.count,
            "contentUrl": post.contentUrl.urls.joined(separator: ", "),
            "from": subject.from, "to": subject.to, "age": duration(subject.age),
            "scheduledLocal": localTime(post.scheduledTime, zone: post.timezone),
        ]
        if let soundId = post.soundId { values["soundId"] = soundId }
        if let thumbnailUrl = post.thumbnailUrl { values["thumbnailUrl"] = thumbnailUrl }
        if let postedAt = post.postedAt { values["postedAt"] = InfinipostTime.format(postedAt) }
        if let delay = subject.delay { values["delay"] = duration(delay) }
        return values
    }

    /// `12m5s`, `-30s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total == 0 { return "0s" }
        var rest = abs(total)
        var text = total < 0 ? "-" : ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    /// `2024-04-22 12:00 America/New_York`, in the post's own zone (UTC when the zone is unknown).
    static func localTime(_ date: Date, zone: String) -> String {
        let known = TimeZone(identifier: zone)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = known ?? TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " " + (known == nil ? "UTC" : zone)
    }
}

/// Renders the rule's templates as they are, or a plain default.
public struct PlainPreviewRenderer: RulePreviewRenderer {
    public init() {}

    static let defaultTitle = template("{{rule}}: {{count}} post(s) {{event}}")
    static let defaultBody = template(
        "{{#posts}}{{platform}} {{contentType}} {{postId}} of {{accountId}}: {{from}} -> {{to}}, scheduled {{scheduledLocal}}{{#delay}}, delay {{delay}}{{/delay}}\n{{/posts}}")

    private static func template(_ text: String) -> MustacheTemplate? {
        try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    }

    public func render(rule: Rule, channel: ChannelDeclaration, context: PreviewContext) -> (title: String, body: String) {
        let title = (rule.title ?? Self.defaultTitle)?.render(context.values) ?? rule.name
        let body = (rule.body ?? Self.defaultBody)?.render(context.values) ?? ""
        return (title, body)
    }
}
