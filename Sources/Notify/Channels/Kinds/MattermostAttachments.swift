import Foundation
import Rules

/// The Mattermost attachments layout (`layout attachments`, the mattermost default): Slack's
/// legacy attachment shape, which Mattermost's incoming webhooks render natively.
///
/// Each message is `{"text": title, "attachments": [one per post]}`. An attachment has the
/// severity `color`, a plain `fallback` (notifications), a `title` (linked to the content),
/// short `fields` for platform, account and status, a long `Caption` field, and a `text` with
/// the transition, the scheduled time and the links. Everything Mattermost renders as Markdown
/// (title, text, field values) is escaped with the mattermost markup, as the text layout is.
///
/// Mattermost splits a long message text itself, but not attachments: a notification of many
/// posts goes as several messages of at most ``postsPerMessage`` attachments and about
/// ``textLimit`` characters, the title numbered `(1/3)`.
struct MattermostAttachments: ChatPayloadLayout {
    static let postsPerMessage = 20
    /// Mattermost's message limit, kept for a message's attachments too.
    static let textLimit = 16_000
    /// A caption is shortened past this, with `…`.
    static let captionLimit = 3_000

    let document: NotificationDocument

    func messages() -> [Message] {
        let format = MessageFormat.mattermost
        let attachments = document.events.map { attachment(PostSummary($0, format: format)) }
        var groups = Self.pack(attachments, count: { _ in 1 }, size: \.textSize, maxCount: Self.postsPerMessage, maxSize: Self.textLimit)
        // The counts once, under the last post.
        if var last = groups[groups.count - 1].popLast() {
            last.footer = footer
            groups[groups.count - 1].append(last)
        }
        let title = document.message.title
        return groups.enumerated().map { index, group in
            let numbering = Self.numbering(index, of: groups.count)
            let text = title.isEmpty ? "" : MessageRenderer.text(title: title + numbering, body: "", format: format)
            return Message(text: text, attachments: group)
        }
    }

    func attachment(_ post: PostSummary) -> Attachment {
        var text = "\(post.transition) · scheduled \(post.scheduledLocal)"
        if let delay = post.delayText { text += " · posted \(delay)" }
        let format = post.format
        var links: [String] = []
        if let content = post.content { links.append(format.link(content.url, label: content.label)) }
        if let thumbnail = post.thumbnailURL { links.append(format.link(thumbnail, label: "thumbnail")) }
        if !links.isEmpty { text += "\n" + links.joined(separator: " · ") }
        var fields = [
            Field(title: "Platform", value: post.headline, short: true),
            Field(title: "Account", value: post.accountId, short: true),
            Field(title: "Status", value: post.status, short: true),
        ]
        if !post.rawCaption.isEmpty { fields.append(Field(title: "Caption", value: post.caption(limit: Self.captionLimit), short: false)) }
        // Notifications show the fallback as it is: the values unescaped, mentions still broken.
        let fallback = MessageFormat.neutraliseAt(post.plainLine)
        return Attachment(
            fallback: fallback, color: SlackBlockKit.color(document.severity), title: "\(post.statusEmoji) \(post.headline) · post \(post.postId)",
            titleLink: post.content?.url, text: text, fields: fields)
    }

    /// `3 posts · 2 of them held back by the throttle since 2024-04-22 16:01 UTC`.
    var footer: String {
        var footer = TextFormatting.count(document.events.count, "post", "posts")
        if let suppressed = document.suppressed, suppressed.count > 0 {
            footer += " · \(suppressed.count) of them held back by the throttle since \(TextFormatting.utc(suppressed.since))"
        }
        return footer
    }
}

extension MattermostAttachments {
    struct Message: JSONBody {
        let text: String
        let attachments: [Attachment]

        var json: JSONValue { ["text": .string(text), "attachments": .array(attachments.map(\.json))] }
    }

    struct Attachment {
        let fallback: String
        let color: String
        let title: String
        let titleLink: String?
        let text: String
        let fields: [Field]
        var footer: String?

        var textSize: Int {
            fields.reduce(title.utf16.count + text.utf16.count + fallback.utf16.count) { $0 + $1.value.utf16.count + $1.title.utf16.count }
        }

        var json: JSONValue {
            .object(dropping: [
                "fallback": .string(fallback), "color": .string(color), "title": .string(title),
                "title_link": titleLink.map(JSONValue.string), "text": .string(text),
                "fields": .array(fields.map(\.json)), "footer": footer.map(JSONValue.string),
            ])
        }
    }

    struct Field {
        let title: String
        let value: String
        let short: Bool

        var json: JSONValue { ["title": .string(title), "value": .string(value), "short": .bool(short)] }
    }
}
