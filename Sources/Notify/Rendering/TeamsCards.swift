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

    /// The JSON bodies, in order: keys in the order written, so the same document always gives
    /// the same bytes.
    func bodies() -> [Data] {
        // Most notifications fit in one message: written once, without measuring each post.
        // The same message ``messages()`` makes for a single part.
        let whole = message(body: header(part: 1, of: 1) + heldBack() + containers()).data
        if whole.count <= Self.bytesPerMessage { return [whole] }
        return messages().map(\.data)
    }

    /// The messages: every post's container, in order, each message within ``bytesPerMessage``.
    func messages() -> [JSONValue] {
        let containers = self.containers()
        // The envelope with the longest title and the held-events line, and no post.
        let envelope = message(body: header(part: 99, of: 99) + heldBack()).utf8.count
        var groups: [[JSONValue]] = [[]]
        var size = envelope
        for container in containers {
            let bytes = container.utf8.count + 1
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
    func message(body: [JSONValue]) -> JSONValue {
        let card: JSONValue = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.2",
            "body": .array(body),
        ]
        return [
            "type": "message",
            "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": .null, "content": card]],
        ]
    }

    /// The title block (already escaped by the renderer), numbered when split.
    func header(part: Int, of parts: Int) -> [JSONValue] {
        let title = document.message.title.isEmpty ? "postwatch" : document.message.title
        return [
            [
                "type": "TextBlock", "text": .string(title + (parts > 1 ? " (\(part)/\(parts))" : "")), "weight": "Bolder",
                "size": "Medium", "color": .string(Self.color(document.severity)), "wrap": true,
            ]
        ]
    }

    /// The events a throttle held back, if any.
    func heldBack() -> [JSONValue] {
        guard let suppressed = document.suppressed, suppressed.count > 0 else { return [] }
        let text = "Includes \(suppressed.count) event(s) held back by the rule's throttle since \(TextFormatting.utc(suppressed.since))."
        return [["type": "TextBlock", "isSubtle": true, "wrap": true, "spacing": "None", "text": .string(text)]]
    }

    /// One container per event, values escaped for Adaptive Card text.
    func containers() -> [JSONValue] {
        let format = MessageFormat.teams
        return document.events.map { event -> JSONValue in
            let post = PostSummary(event, format: format)
            // Values from the API have no length limit of their own: a fact stays readable, and
            // one post can never outgrow a message.
            func fact(_ title: String, _ value: String) -> JSONValue {
                ["title": .string(title), "value": .string(MessageRenderer.cut(value, toUTF16: Self.valueLimit))]
            }
            let heading = MessageRenderer.cut("\(post.statusEmoji) \(post.headline) · post \(post.postId)", toUTF16: Self.valueLimit)
            var facts = [
                fact("Platform", post.platform), fact("Account", post.accountId), fact("Transition", post.transition),
                fact("Scheduled", post.scheduledLocal),
            ]
            if let delay = post.delayText { facts.append(["title": "Posted", "value": .string(delay)]) }
            var items: [JSONValue] = [
                ["type": "TextBlock", "text": .string(heading), "weight": "Bolder", "wrap": true],
                ["type": "FactSet", "facts": .array(facts)],
            ]
            let caption = format.escape(TextFormatting.shortened(event.post.caption, limit: Self.captionLimit))
            if !caption.isEmpty {
                items.append(["type": "TextBlock", "text": .string(caption), "wrap": true, "isSubtle": true])
            }
            var actions: [JSONValue] = []
            if let content = post.content {
                actions.append(["type": "Action.OpenUrl", "title": .string("Open " + content.label), "url": .string(content.url)])
            }
            if let thumbnail = post.thumbnailURL {
                actions.append(["type": "Action.OpenUrl", "title": "Thumbnail", "url": .string(thumbnail)])
            }
            if !actions.isEmpty { items.append(["type": "ActionSet", "actions": .array(actions)]) }
            return ["type": "Container", "separator": true, "spacing": "Medium", "items": .array(items)]
        }
    }
}
