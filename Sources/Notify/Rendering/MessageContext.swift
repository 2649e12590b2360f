import Foundation
import Infinipost
import Rules
import Watch

/// What a message is about, before it is rendered for a format.
public struct MessageSubject: Sendable, Hashable {
    public var rule: String
    public var severity: Severity
    /// The `group by` values, in the rule's order.
    public var group: [(field: String, value: String)]
    public var events: [Event]
    public var suppressed: NotificationDocument.Suppressed?

    public init(
        rule: String, severity: Severity, group: [(field: String, value: String)] = [], events: [Event],
        suppressed: NotificationDocument.Suppressed? = nil
    ) {
        self.rule = rule
        self.severity = severity
        self.group = group
        self.events = events
        self.suppressed = suppressed
    }

    public static func == (lhs: MessageSubject, rhs: MessageSubject) -> Bool {
        lhs.rule == rhs.rule && lhs.severity == rhs.severity && lhs.events == rhs.events
            && lhs.suppressed == rhs.suppressed && lhs.group.map(\.field) == rhs.group.map(\.field)
            && lhs.group.map(\.value) == rhs.group.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rule)
        hasher.combine(events)
    }
}

/// Builds the Mustache context of a message (see DESIGN.md "Templates") with every value that
/// comes from a post already escaped for the format, so a template cannot forget to.
struct MessageContext {
    let subject: MessageSubject
    let format: MessageFormat
    /// Captions are cut to this many characters.
    var captionLimit = 140

    /// The context listing the first `listed` events' posts.
    func build(listed: Int) -> [String: Any] {
        let events = subject.events
        let shown = Array(events.prefix(listed))
        let more = events.count - shown.count
        let posts = shown.map(post)
        var context: [String: Any] = [:]
        // Fields every listed post shares are at the top too, so `{{platform}}` works in a title.
        for key in TemplateContext.sharedPostFields {
            let values = Set(posts.compactMap { $0[key] as? String })
            if values.count == 1, let value = values.first { context[key] = value }
        }
        context["rule"] = escapeOwn(subject.rule)
        context["severity"] = subject.severity.rawValue
        context["severityEmoji"] = Self.emoji(severity: subject.severity)
        context["event"] = escapeOwn(eventWord)
        context["summary"] = escapeOwn(summary)
        context["count"] = events.count
        context["posts"] = posts
        context["more"] = more > 0 ? more : nil
        var group: [String: String] = [:]
        for (field, value) in subject.group { group[field] = escapePost(value) }
        context["group"] = group
        context["groupText"] = subject.group.isEmpty ? nil : subject.group.map { "\($0.field) \(escapePost($0.value))" }.joined(separator: ", ")
        if let suppressed = subject.suppressed, suppressed.count > 0 {
            context["suppressed"] = suppressed.count
            context["suppressedSince"] = TextFormatting.utc(suppressed.since)
        }
        return context
    }

    /// `failed`, `posted`, `overdue`, `deleted`: the common `to` of the events, else `status change`.
    var eventWord: String {
        let words = Set(subject.events.map { $0.kind == .overdue ? "overdue" : $0.to })
        if words.count == 1, let word = words.first { return word }
        return "status change"
    }

    /// `3 posts failed`, `1 post overdue`, `2 status changes`.
    var summary: String {
        let n = subject.events.count
        switch eventWord {
        case "status change": return TextFormatting.count(n, "status change", "status changes")
        case "overdue": return TextFormatting.count(n, "post", "posts") + " overdue"
        case "deleted": return TextFormatting.count(n, "post", "posts") + " deleted"
        case let to: return TextFormatting.count(n, "post", "posts") + " " + TextFormatting.oneLine(to)
        }
    }

    func post(_ event: Event) -> [String: Any] {
        let post = event.post
        var fields: [String: Any] = [
            "postId": escapePost(post.postId),
            "accountId": escapePost(post.accountId),
            "platform": escapePost(post.platform.rawValue),
            "contentType": escapePost(post.contentType.rawValue),
            "caption": format.escape(TextFormatting.shortened(post.caption, limit: captionLimit)),
            "timezone": escapePost(post.timezone),
            "status": escapePost(post.status.rawValue),
            "scheduledTime": InfinipostTime.format(post.scheduledTime),
            "scheduledLocal": escapePost(TextFormatting.local(post.scheduledTime, timezone: post.timezone)),
            "createdAt": InfinipostTime.format(post.createdAt),
            "from": escapePost(event.from),
            "to": escapePost(event.to),
            "kind": event.kind.rawValue,
            "transition": transition(event),
            "statusEmoji": Self.emoji(event: event),
        ]
        let urls = post.contentUrl.urls
        fields["contentUrl"] = urls.first.map(escapePost)
        fields["contentUrls"] = urls.map(escapePost)
        fields["contentLink"] = urls.first.map { format.link($0, label: urls.count > 1 ? "content (\(urls.count) slides)" : "content") }
        if post.contentType == .slides || urls.count > 1 { fields["slides"] = urls.count }
        if let thumbnail = post.thumbnailUrl {
            fields["thumbnailUrl"] = escapePost(thumbnail)
            fields["thumbnailLink"] = format.link(thumbnail, label: "thumbnail")
        }
        if let sound = post.soundId { fields["soundId"] = escapePost(sound) }
        if let postedAt = post.postedAt {
            fields["postedAt"] = InfinipostTime.format(postedAt)
            let seconds = Int(postedAt.timeIntervalSince(post.scheduledTime).rounded())
            fields["delaySeconds"] = seconds
            fields["delay"] = seconds < 0 ? "-" + TextFormatting.duration(seconds: seconds) : TextFormatting.duration(seconds: seconds)
            fields["delayText"] = Self.delayText(seconds: seconds)
        }
        if event.kind == .overdue {
            let late = Int(event.detectedAt.timeIntervalSince(post.scheduledTime).rounded())
            fields["overdue"] = TextFormatting.duration(seconds: max(late, 0))
        }
        return fields
    }

    /// `❌ tiktok video (3 slides) · post p1`: a post's heading in the native layouts (Discord's
    /// embed title, a Teams container's first line), from its escaped values (``post(_:)``).
    static func heading(_ post: [String: Any]) -> String {
        func value(_ key: String) -> String { post[key] as? String ?? "" }
        var heading = "\(value("statusEmoji")) \(value("platform")) \(value("contentType"))"
        if let slides = post["slides"] as? Int { heading += " (\(slides) slides)" }
        return heading + " · post \(value("postId"))"
    }

    /// `pending_render → failed`, `first seen as failed`, `still generated 42m after its
    /// scheduled time`, `deleted (last seen posted)`.
    func transition(_ event: Event) -> String {
        let from = escapePost(event.from)
        let to = escapePost(event.to)
        switch event.kind {
        case .transition:
            return event.from == Event.newStatus ? "first seen as \(to)" : "\(from) → \(to)"
        case .overdue:
            let late = Int(event.detectedAt.timeIntervalSince(event.post.scheduledTime).rounded())
            return "overdue: still \(escapePost(event.post.status.rawValue)) \(TextFormatting.duration(seconds: max(late, 0))) after its scheduled time"
        case .deleted:
            return "deleted (last seen \(from))"
        }
    }

    /// `5m after its scheduled time`, `2m early`: when a post went out against its schedule.
    static func delayText(seconds: Int) -> String {
        seconds < 0
            ? TextFormatting.duration(seconds: seconds) + " early"
            : TextFormatting.duration(seconds: seconds) + " after its scheduled time"
    }

    func escapePost(_ value: String) -> String { format.escape(TextFormatting.oneLine(value)) }

    /// The rule's own words (name, summaries): escaped too, so a `<` in a rule name cannot break
    /// Slack's markup, but never a template (the template's text is the author's markup).
    func escapeOwn(_ value: String) -> String { format.escape(value) }

    static func emoji(severity: Severity) -> String {
        switch severity {
        case .critical: "🚨"
        case .warning: "⚠️"
        case .info: "ℹ️"
        }
    }

    static func emoji(event: Event) -> String {
        switch (event.kind, event.to) {
        case (.overdue, _): "⏰"
        case (.deleted, _): "🗑️"
        case (_, "failed"): "❌"
        case (_, "posted"): "✅"
        default: "🔄"
        }
    }
}
