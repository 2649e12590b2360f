import Foundation
import Infinipost
import Rules
import Watch

/// The Discord webhook messages a notification document is sent as: the title line as
/// `content`, one embed per post, packed into as few messages as Discord's limits allow.
///
/// Discord's limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
/// `content` 2,000 characters; 10 embeds a message; an embed's title 256, description 4,096,
/// 25 fields of name 256 and value 1,024, footer 2,048; 6,000 characters across all of a
/// message's embeds. A notification that does not fit one message is split between posts into
/// several, each `content` numbered `(1/3)`; no post is left out. Only a caption longer than an
/// embed's description can hold is shortened (with `…`).
///
/// Everything from a post is escaped for Discord's Markdown (``MessageFormat/discord``) where
/// Discord renders Markdown (title, description, field values); field names and the footer are
/// shown as written. `allowed_mentions: {"parse": []}` is in every message, so even a mention
/// that got through would ping nobody.
struct DiscordMessages {
    static let contentLimit = 2_000
    static let embedsPerMessage = 10
    static let charactersPerMessage = 6_000
    static let titleLimit = 256
    static let descriptionLimit = 4_096
    static let fieldNameLimit = 256
    static let fieldValueLimit = 1_024
    static let footerLimit = 2_048

    /// A caption is shown up to this many characters (more than any platform allows).
    static let captionLimit = 2_200

    /// The severity colour as Discord's integer RGB: Discord's own red, yellow and blurple.
    static func color(_ severity: Severity) -> Int {
        switch severity {
        case .critical: 0xED4245
        case .warning: 0xFEE75C
        case .info: 0x5865F2
        }
    }

    struct Field: Hashable {
        var name: String
        var value: String
        var inline: Bool

        var json: JSONValue { ["name": .string(name), "value": .string(value), "inline": .bool(inline)] }
    }

    struct Link: Hashable {
        var url: String
    }

    struct Footer: Hashable {
        var text: String
    }

    struct Embed: Hashable {
        var title: String
        var description: String?
        var url: String?
        var color: Int
        var timestamp: String
        var fields: [Field]
        var thumbnail: Link?
        var footer: Footer?

        /// The characters Discord counts toward the 6,000 of a message.
        var size: Int {
            title.utf16.count + (description?.utf16.count ?? 0) + (footer?.text.utf16.count ?? 0)
                + fields.reduce(0) { $0 + $1.name.utf16.count + $1.value.utf16.count }
        }

        var json: JSONValue {
            .object(dropping: [
                "title": .string(title), "description": description.map(JSONValue.string), "url": url.map(JSONValue.string),
                "color": .int(color), "timestamp": .string(timestamp), "fields": .array(fields.map(\.json)),
                "thumbnail": thumbnail.map { ["url": .string($0.url)] }, "footer": footer.map { ["text": .string($0.text)] },
            ])
        }
    }

    struct Message: Hashable {
        var content: String
        var embeds: [Embed]

        /// `allowed_mentions.parse` empty: no `@everyone`, role or user mention is parsed,
        /// whatever the text holds.
        var json: JSONValue {
            ["content": .string(content), "embeds": .array(embeds.map(\.json)), "allowed_mentions": ["parse": []]]
        }
    }

    let document: NotificationDocument

    init(_ document: NotificationDocument) {
        self.document = document
    }

    /// The JSON bodies, in order: keys in the order written, so the same document always gives
    /// the same bytes.
    func bodies() -> [Data] {
        messages().map(\.json.data)
    }

    /// The messages: every post's embed, in order, within every limit.
    func messages() -> [Message] {
        var groups: [[Embed]] = [[]]
        var size = 0
        for embed in embeds() {
            if let last = groups.last, !last.isEmpty,
               last.count == Self.embedsPerMessage || size + embed.size > Self.charactersPerMessage
            {
                groups.append([])
                size = 0
            }
            groups[groups.count - 1].append(embed)
            size += embed.size
        }
        return groups.enumerated().map { index, embeds in
            Message(content: content(part: index + 1, of: groups.count), embeds: embeds)
        }
    }

    /// The bold title (already escaped by the renderer), numbered when split; the first message
    /// also says how many events a throttle held back.
    func content(part: Int, of parts: Int) -> String {
        let title = document.message.title.isEmpty ? "postwatch" : document.message.title
        let numbering = parts > 1 ? " (\(part)/\(parts))" : ""
        var content = "**" + Self.cut(title, to: Self.contentLimit - 300) + "**" + numbering
        if part == 1, let suppressed = document.suppressed, suppressed.count > 0 {
            content += "\nIncludes \(suppressed.count) event(s) held back by the rule's throttle since \(TextFormatting.utc(suppressed.since))."
        }
        return content
    }

    /// One embed per event, with the post's values escaped for Discord's Markdown.
    func embeds() -> [Embed] {
        let format = MessageFormat.discord
        let footer = Footer(text: Self.cut("postwatch · " + TextFormatting.oneLine(document.rule), to: Self.footerLimit))
        return document.events.map { event -> Embed in
            let post = PostSummary(event, format: format)
            var fields = [
                field("Platform", post.platform, inline: true),
                field("Account", post.accountId, inline: true),
                field("Scheduled", post.scheduledLocal, inline: true),
                field("Transition", post.transition, inline: false),
            ]
            if let delay = post.delayText { fields.append(field("Posted", delay, inline: true)) }
            let caption = Self.description(event.post.caption, format: format)
            return Embed(
                title: Self.cut("\(post.statusEmoji) \(post.headline) · post \(post.postId)", to: Self.titleLimit),
                description: caption.isEmpty ? nil : caption, url: post.content?.url, color: Self.color(document.severity),
                timestamp: InfinipostTime.format(event.detectedAt), fields: fields, thumbnail: post.thumbnailURL.map(Link.init),
                footer: footer)
        }
    }

    func field(_ name: String, _ value: String, inline: Bool) -> Field {
        // Discord refuses an empty value.
        Field(name: name, value: value.isEmpty ? "—" : Self.cut(value, to: Self.fieldValueLimit), inline: inline)
    }

    /// The caption on one line, escaped, within the description's limit: shortened before
    /// escaping, so no escape is cut in half.
    static func description(_ caption: String, format: MessageFormat) -> String {
        var limit = captionLimit
        while true {
            let escaped = format.escape(TextFormatting.shortened(caption, limit: limit))
            if escaped.utf16.count <= descriptionLimit || limit <= 1 { return escaped }
            limit = max(1, min(limit - 1, limit * descriptionLimit / escaped.utf16.count - 1))
        }
    }

    /// `text` within `limit` UTF-16 units, ending with `…` when cut; never ending in the
    /// backslash of an escape cut in half.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var out = MessageRenderer.cut(text, toUTF16: limit)
        out.removeLast()  // the ellipsis
        var backslashes = 0
        for character in out.reversed() {
            guard character == "\\" else { break }
            backslashes += 1
        }
        if backslashes % 2 == 1 { out.removeLast() }
        return out + "…"
    }
}
