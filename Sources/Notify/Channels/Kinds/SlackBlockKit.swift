import Foundation
import Rules

/// The Slack Block Kit layout (`layout blocks`, the slack default): a notification as one or
/// more incoming-webhook messages.
///
/// Each message is `{"text": fallback, "attachments": [{"color": …, "blocks": […]}]}`: the
/// top-level `text` is what notifications and old clients show (the title line); the legacy
/// attachment is the only way to get a severity colour bar around blocks. The blocks are a
/// `header` (the title, plain text), one `section` per post (mrkdwn, `verbatim` so that Slack
/// links nothing by itself), an `actions` block with link buttons for a post's content and
/// thumbnail, and a `context` with the counts and the severity.
///
/// Slack's limits (docs.slack.dev, Block Kit reference) are enforced, never by cutting a
/// notification short: a section's text stays under 3,001 characters (a long caption is
/// shortened inside its section, the rest of the post stays), and a message holds at most 50
/// blocks and about 12,000 characters of text; more posts go into further messages, their
/// headers numbered `(1/3)`, `(2/3)`…
struct SlackBlockKit: ChatPayloadLayout {
    /// A section's text must be under 3,001 characters.
    static let sectionLimit = 3_000
    static let blockLimit = 50
    /// Slack's documented ceiling for the text of a message's blocks.
    static let textLimit = 12_000
    static let headerLimit = 150
    /// A button's URL: longer ones get no button (the post is still listed).
    static let buttonURLLimit = 3_000

    let document: NotificationDocument

    func messages() -> [Message] {
        let format = MessageFormat.slack
        let units = document.events.enumerated().map { postBlocks(PostSummary($0.element, format: format), index: $0.offset) }
        let context = contextBlock
        // Every message also has the header (counted at its longest) and the context.
        let groups = Self.pack(
            units, count: \.count, size: { $0.reduce(0) { $0 + $1.textSize } }, maxCount: Self.blockLimit - 2,
            maxSize: Self.textLimit - Self.headerLimit - context.textSize)
        let title = Self.unescaped(document.message.title)
        let plainTitle = title.isEmpty ? "\(MessageContext.emoji(severity: document.severity)) \(document.rule)" : title
        return groups.enumerated().map { index, group in
            let numbering = Self.numbering(index, of: groups.count)
            let header = Block.header(MessageRenderer.cut(plainTitle, toUTF16: Self.headerLimit - numbering.utf16Length) + numbering)
            let fallback = (document.message.title.isEmpty ? format.escape(plainTitle) : document.message.title) + numbering
            return Message(
                text: fallback,
                attachments: [Attachment(color: Self.color(document.severity), blocks: [header] + group.flatMap { $0 } + [context])])
        }
    }

    /// A post's section, and its buttons when it has http(s) URLs.
    func postBlocks(_ post: PostSummary, index: Int) -> [Block] {
        var text = "\(post.statusEmoji) *\(post.headline)* · post \(post.postId) · account \(post.accountId)\n"
        text += "\(post.transition) · scheduled \(post.scheduledLocal)"
        if let delay = post.delayText { text += " · posted \(delay)" }
        if !post.rawCaption.isEmpty {
            // `> ` quotes the caption; it is one line, so the quote cannot swallow what follows.
            text += "\n> "
            text += post.caption(limit: Self.sectionLimit - text.utf16Length)
        }
        // Only ids from the API of absurd length could pass the limit before the caption does.
        if text.utf16Length > Self.sectionLimit { text = MessageRenderer.cut(text, toUTF16: Self.sectionLimit) }
        var blocks = [Block.section(text)]
        var buttons: [Button] = []
        if let content = post.content, content.url.utf16Length <= Self.buttonURLLimit {
            buttons.append(Button(label: content.label.capitalizedFirst, url: content.url, actionID: "content-\(index)"))
        }
        if let thumbnail = post.thumbnailURL, thumbnail.utf16Length <= Self.buttonURLLimit {
            buttons.append(Button(label: "Thumbnail", url: thumbnail, actionID: "thumbnail-\(index)"))
        }
        if !buttons.isEmpty { blocks.append(.actions(buttons)) }
        return blocks
    }

    /// `🚨 critical · 3 posts · 2 of them held back by the throttle since 2024-04-22 16:01 UTC`.
    var contextBlock: Block {
        var parts = [
            "\(MessageContext.emoji(severity: document.severity)) \(document.severity.rawValue)",
            TextFormatting.count(document.events.count, "post", "posts"),
        ]
        if let suppressed = document.suppressed, suppressed.count > 0 {
            let held = suppressed.count == 1 ? "1 of them held" : "\(suppressed.count) of them held"
            parts.append("\(held) back by the throttle since \(TextFormatting.utc(suppressed.since))")
        }
        parts.append("rule \(MessageRenderer.cut(MessageFormat.slack.escape(TextFormatting.oneLine(document.rule)), toUTF16: 200))")
        return .context(parts.joined(separator: " · "))
    }

    /// Slack's palette: red, yellow, blue.
    static func color(_ severity: Severity) -> String {
        switch severity {
        case .critical: "#E01E5A"
        case .warning: "#ECB22E"
        case .info: "#36C5F0"
        }
    }

    /// The title as plain text: a `plain_text` header shows entities as written.
    static func unescaped(_ mrkdwn: String) -> String {
        guard mrkdwn.contains("&") else { return mrkdwn }
        return mrkdwn.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

extension SlackBlockKit {
    /// One incoming-webhook message.
    struct Message: JSONBody {
        let text: String
        let attachments: [Attachment]

        var json: JSONValue { ["text": .string(text), "attachments": .array(attachments.map(\.json))] }
    }

    /// The legacy attachment that gives the blocks their colour bar.
    struct Attachment {
        let color: String
        let blocks: [Block]

        var json: JSONValue { ["color": .string(color), "blocks": .array(blocks.map(\.json))] }
    }

    /// A link button (no interaction payload is expected: the URL opens in the browser).
    struct Button {
        let label: String
        let url: String
        let actionID: String

        var json: JSONValue {
            ["type": "button", "text": Block.plainText(label), "url": .string(url), "action_id": .string(actionID)]
        }
    }

    /// The four block types the layout uses.
    enum Block {
        case header(String)
        case section(String)
        case actions([Button])
        case context(String)

        /// The characters of text the block carries, as Slack's limits count them (UTF-16
        /// units, never fewer than the characters Slack counts).
        var textSize: Int {
            switch self {
            case .header(let text), .section(let text), .context(let text): text.utf16Length
            case .actions(let buttons): buttons.reduce(0) { $0 + $1.label.utf16Length }
            }
        }

        var json: JSONValue {
            switch self {
            case .header(let text): ["type": "header", "text": Self.plainText(text)]
            case .section(let text): ["type": "section", "text": Self.mrkdwn(text)]
            case .actions(let buttons): ["type": "actions", "elements": .array(buttons.map(\.json))]
            case .context(let text): ["type": "context", "elements": [Self.mrkdwn(text)]]
            }
        }

        /// A `plain_text` object: emoji codes such as `:tada:` shown as emoji.
        static func plainText(_ text: String) -> JSONValue { ["type": "plain_text", "text": .string(text), "emoji": true] }

        /// A `mrkdwn` object, `verbatim`: no automatic links to bare URLs, channel names or
        /// mentions; what a caption holds stays text (the escaping already stops `<…>` links
        /// and mentions).
        static func mrkdwn(_ text: String) -> JSONValue { ["type": "mrkdwn", "text": .string(text), "verbatim": true] }
    }
}

extension String {
    /// `Content (3 slides)` from `content (3 slides)`.
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
