import Foundation
import Rules
import Watch

/// The Teams Workflows messages a notification document is sent as: each a `message` with one
/// Adaptive Card 1.2 attachment, the posts split between as many cards as the size limit needs.
///
/// A card: the title as a bold, medium `TextBlock` coloured by severity (attention, warning,
/// accent), numbered `(1/3)` when split; on the first card, the events a throttle held back;
/// then one `Container` per post with a heading `TextBlock`, a `FactSet` (platform, account,
/// transition, scheduled in the post's time zone, posted), the caption in a wrapping
/// `TextBlock`, and an `ActionSet` with `Action.OpenUrl` buttons to the content and thumbnail.
///
/// The buttons are in each post's container, not in the card's `actions`: those are one row
/// for the whole card, and Teams shows at most six of them, so a card of twenty posts could not
/// link each. Every value from a post is made plain text (``MessageFormat/adaptiveCardText(_:)``).
struct TeamsCards {
    /// Teams refuses a message over about 28 KB; the rest is room for the envelope and headers.
    static let bytesPerMessage = 26_000
    /// A caption is shown up to this many characters (more than any platform allows).
    static let captionLimit = 2_200
    /// A heading or fact is shown up to this many UTF-16 units.
    static let valueLimit = 1_024

    /// Adaptive Card text colours by severity.
    static func color(_ severity: Severity) -> String {
        switch severity {
        case .critical: "Attention"
        case .warning: "Warning"
        case .info: "Accent"
        }
    }

    let document: NotificationDocument

    init(_ document: NotificationDocument) {
        self.document = document
    }

    /// The JSON bodies, in order: keys sorted, so the same document always gives the same bytes.
    func bodies() throws -> [Data] {
        // Most notifications fit in one message: encoded once, without measuring each post
        // (JSONSerialization is most of a card's cost). The same message ``messages()`` makes
        // for a single part.
        let whole = try Self.encoded(message(body: header(part: 1, of: 1) + heldBack() + containers()))
        if whole.count <= Self.bytesPerMessage { return [whole] }
        return try messages().map(Self.encoded)
    }

    static func encoded(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The messages: every post's container, in order, each message within ``bytesPerMessage``.
    func messages() throws -> [[String: Any]] {
        let containers = self.containers()
        // The envelope with the longest title and the held-events line, and no post.
        let envelope = try Self.encoded(message(body: header(part: 99, of: 99) + heldBack())).count
        var groups: [[[String: Any]]] = [[]]
        var size = envelope
        for container in containers {
            let bytes = try Self.encoded(container).count + 1
            if !groups[groups.count - 1].isEmpty, size + bytes > Self.bytesPerMessage {
                groups.append([])
                size = envelope
            }
            groups[groups.count - 1].append(container)
            size += bytes
        }
        return groups.enumerated().map { index, containers in
            let part = index + 1
            return message(body: header(part: part, of: groups.count) + (part == 1 ? heldBack() : []) + containers)
        }
    }

    /// `{"type": "message", "attachments": [the card]}`, as Workflows' "Post card in a chat or
    /// channel" takes it.
    func message(body: [[String: Any]]) -> [String: Any] {
        let card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.2",
            "body": body,
        ]
        return [
            "type": "message",
            "attachments": [
                ["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card] as [String: Any]
            ],
        ]
    }

    /// The title block (already escaped by the renderer), numbered when split.
    func header(part: Int, of parts: Int) -> [[String: Any]] {
        let title = document.message.title.isEmpty ? "postwatch" : document.message.title
        return [
            [
                "type": "TextBlock", "text": title + (parts > 1 ? " (\(part)/\(parts))" : ""), "weight": "Bolder", "size": "Medium",
                "color": Self.color(document.severity), "wrap": true,
            ]
        ]
    }

    /// The events a throttle held back, if any.
    func heldBack() -> [[String: Any]] {
        guard let suppressed = document.suppressed, suppressed.count > 0 else { return [] }
        return [
            [
                "type": "TextBlock", "isSubtle": true, "wrap": true, "spacing": "None",
                "text": "Includes \(suppressed.count) event(s) held back by the rule's throttle since \(TextFormatting.utc(suppressed.since)).",
            ]
        ]
    }

    /// One container per event, values escaped for Adaptive Card text.
    func containers() -> [[String: Any]] {
        let format = MessageFormat.teams
        let subject = MessageSubject(rule: document.rule, severity: document.severity, events: document.events, suppressed: document.suppressed)
        let context = MessageContext(subject: subject, format: format)
        return document.events.map { event -> [String: Any] in
            let values = context.post(event)
            // Values from the API have no length limit of their own: a fact stays readable, and
            // one post can never outgrow a message.
            func value(_ key: String) -> String { MessageRenderer.cut(values[key] as? String ?? "", toUTF16: Self.valueLimit) }
            let heading = MessageRenderer.cut(MessageContext.heading(values), toUTF16: Self.valueLimit)
            var facts: [[String: Any]] = [
                ["title": "Platform", "value": value("platform")],
                ["title": "Account", "value": value("accountId")],
                ["title": "Transition", "value": value("transition")],
                ["title": "Scheduled", "value": value("scheduledLocal")],
            ]
            if let delay = values["delayText"] as? String { facts.append(["title": "Posted", "value": delay]) }
            var items: [[String: Any]] = [
                ["type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": true],
                ["type": "FactSet", "facts": facts],
            ]
            let caption = format.escape(TextFormatting.shortened(event.post.caption, limit: Self.captionLimit))
            if !caption.isEmpty {
                items.append(["type": "TextBlock", "text": caption, "wrap": true, "isSubtle": true])
            }
            var actions: [[String: Any]] = []
            let urls = event.post.contentUrl.urls
            if let content = urls.first.flatMap(MessageFormat.linkableURL) {
                let title = urls.count > 1 ? "Open content (\(urls.count) slides)" : "Open content"
                actions.append(["type": "Action.OpenUrl", "title": title, "url": content])
            }
            if let thumbnail = event.post.thumbnailUrl.flatMap(MessageFormat.linkableURL) {
                actions.append(["type": "Action.OpenUrl", "title": "Thumbnail", "url": thumbnail])
            }
            if !actions.isEmpty { items.append(["type": "ActionSet", "actions": actions]) }
            return ["type": "Container", "separator": true, "spacing": "Medium", "items": items]
        }
    }
}
