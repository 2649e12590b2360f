import Foundation
import Watch

/// What a structured chat layout (Slack's blocks, Mattermost's attachments) shows of one event:
/// the same values the templates' context computes (``MessageContext/post(_:)``), every one
/// from the post already escaped for the format, and the caption kept whole up to a budget.
struct PostSummary {
    /// `❌`, `✅`, `⏰`, `🗑️`, `🔄`.
    let statusEmoji: String
    /// `tiktok video`, `instagram slides (3 slides)`: escaped.
    let headline: String
    let postId: String
    let accountId: String
    let platform: String
    /// The post's status now: escaped.
    let status: String
    /// `pending_render → failed`, `first seen as failed`, …: escaped.
    let transition: String
    /// `Mon 22 Apr 2024 12:00 EDT` in the post's timezone, and `5m after its scheduled time`
    /// when it was posted: escaped.
    let scheduledLocal: String
    let delayText: String?
    /// The caption on one line, not escaped yet (see ``caption(limit:)``).
    let rawCaption: String
    /// The first content URL (when it is an http(s) URL) and its label (`content (3 slides)`).
    let content: (url: String, label: String)?
    let thumbnailURL: String?
    let format: MessageFormat
    /// The event summed up (for ``plainLine``, which only some layouts show).
    let event: Event

    init(_ event: Event, format: MessageFormat) {
        // The template context's own helpers, field by field: its whole `post(_:)` dictionary
        // (twenty escaped values, most unused here) was most of a Block Kit message's time.
        let context = MessageContext(subject: MessageSubject(rule: "", severity: .info, events: []), format: format)
        let post = event.post
        let urls = post.contentUrl.urls
        self.format = format
        statusEmoji = MessageContext.emoji(event: event)
        let slides = post.contentType == .slides || urls.count > 1 ? " (\(urls.count) slides)" : ""
        headline = "\(context.escapePost(post.platform.rawValue)) \(context.escapePost(post.contentType.rawValue))\(slides)"
        postId = context.escapePost(post.postId)
        accountId = context.escapePost(post.accountId)
        platform = context.escapePost(post.platform.rawValue)
        status = context.escapePost(post.status.rawValue)
        transition = context.transition(event)
        scheduledLocal = context.escapePost(TextFormatting.local(post.scheduledTime, timezone: post.timezone))
        delayText = post.postedAt.map { MessageContext.delayText(seconds: Int($0.timeIntervalSince(post.scheduledTime).rounded())) }
        rawCaption = TextFormatting.oneLine(post.caption)
        content = urls.first.flatMap(MessageFormat.linkableURL).map { ($0, urls.count > 1 ? "content (\(urls.count) slides)" : "content") }
        thumbnailURL = post.thumbnailUrl.flatMap(MessageFormat.linkableURL)
        self.event = event
    }

    /// `tiktok video · post p1: pending_render → failed`, unescaped, for places shown as plain
    /// text (computed when asked: Block Kit does not show it).
    var plainLine: String {
        let post = event.post
        let plain = MessageContext(subject: MessageSubject(rule: "", severity: .info, events: []), format: .plain)
        return TextFormatting.oneLine("\(post.platform.rawValue) \(post.contentType.rawValue) · post \(post.postId)") + ": " + plain.transition(event)
    }

    /// The caption escaped for the format in at most `limit` UTF-16 units: a longer one is cut
    /// on a character boundary before escaping (never inside an escape) and ends with `…`.
    func caption(limit: Int) -> String {
        let whole = format.escape(rawCaption)
        if whole.utf16Length <= limit { return whole }
        // Escaping only lengthens text: start from `limit` characters and shrink in proportion
        // until the escaped prefix fits (two or three rounds for the worst captions).
        var characters = min(rawCaption.count, max(limit - 1, 0))
        while characters > 0 {
            let candidate = format.escape(String(rawCaption.prefix(characters)).trimmingCharacters(in: .whitespaces)) + "…"
            let size = candidate.utf16Length
            if size <= limit { return candidate }
            characters = min(characters - 1, characters * limit / size)
        }
        return limit >= 1 ? "…" : ""
    }
}
