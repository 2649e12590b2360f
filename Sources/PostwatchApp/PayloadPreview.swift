import Foundation
import Rules

/// A request body as its receiver would show it, drawn in text: `demo`'s gallery of layouts
/// and the renderings in `docs/channels.md`.
///
/// It reads the JSON a channel actually sends (Slack blocks, Discord embeds, an Adaptive Card…)
/// by the vendor's documented shape, not the document it was made from: what it draws is what
/// the payload says, so a field a layout forgot is missing here too.
enum PayloadPreview {
    /// The drawing of one body of `kind`, lines of at most `width` characters, each starting
    /// with a bar (`┃`) the way chat clients draw an attachment's colour.
    static func text(kind: ChannelKind, body: Data, width: Int = 76) -> String {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        var canvas = Canvas(width: width)
        switch (kind, json) {
        case (.slack, let json?): slack(json, into: &canvas)
        case (.mattermost, let json?): mattermost(json, into: &canvas)
        case (.discord, let json?): discord(json, into: &canvas)
        case (.teams, let json?): teams(json, into: &canvas)
        case (.pagerduty, let json?): pagerDuty(json, into: &canvas)
        case (.ntfy, let json?): ntfy(json, into: &canvas)
        case (.telegram, let json?): canvas.paragraph(stripHTML(json["text"] as? String ?? ""))
        default: canvas.paragraph(String(decoding: body, as: UTF8.self))
        }
        return canvas.lines.joined(separator: "\n")
    }

    /// Lines being drawn, wrapped to a width.
    struct Canvas {
        let width: Int
        var lines: [String] = []

        mutating func paragraph(_ text: String, prefix: String = "") {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += PayloadPreview.wrap(prefix + line, width: width - 2).map { "┃ " + $0 }
            }
        }

        mutating func rule() { lines.append("┃") }
    }

    // MARK: Vendors

    static func slack(_ json: [String: Any], into canvas: inout Canvas) {
        let attachments = json["attachments"] as? [[String: Any]] ?? []
        let blocks = (json["blocks"] as? [[String: Any]] ?? []) + attachments.flatMap { $0["blocks"] as? [[String: Any]] ?? [] }
        if blocks.isEmpty {
            canvas.paragraph(slackText(json["text"] as? String ?? ""))
            return
        }
        if let color = attachments.first?["color"] as? String { canvas.lines.append("┃ (colour bar \(color))") }
        for block in blocks {
            switch block["type"] as? String {
            case "header": canvas.paragraph(upper(plain(block["text"])))
            case "section":
                canvas.paragraph(slackText(plain(block["text"])))
                for field in block["fields"] as? [[String: Any]] ?? [] { canvas.paragraph(slackText(plain(field)), prefix: "  ") }
            case "context":
                let parts = (block["elements"] as? [[String: Any]] ?? []).map { slackText(plain($0)) }
                canvas.paragraph(parts.joined(separator: " · "))
            case "actions": canvas.paragraph(buttons(block["elements"] as? [[String: Any]] ?? [], title: { plain($0["text"]) }))
            case "divider": canvas.rule()
            default: continue
            }
        }
    }

    static func mattermost(_ json: [String: Any], into canvas: inout Canvas) {
        if let text = json["text"] as? String, !text.isEmpty { canvas.paragraph(text) }
        for attachment in json["attachments"] as? [[String: Any]] ?? [] {
            if let color = attachment["color"] as? String { canvas.lines.append("┃ (colour bar \(color))") }
            if let title = attachment["title"] as? String { canvas.paragraph(upper(title)) }
            if let text = attachment["text"] as? String, !text.isEmpty { canvas.paragraph(text) }
            fields(attachment["fields"], name: "title", value: "value", into: &canvas)
        }
    }

    static func discord(_ json: [String: Any], into canvas: inout Canvas) {
        if let content = json["content"] as? String, !content.isEmpty { canvas.paragraph(content) }
        for embed in json["embeds"] as? [[String: Any]] ?? [] {
            if let color = embed["color"] as? Int { canvas.lines.append("┃ (colour bar #\(String(color, radix: 16)))") }
            if let title = embed["title"] as? String { canvas.paragraph(upper(title)) }
            if let description = embed["description"] as? String { canvas.paragraph(description) }
            fields(embed["fields"], name: "name", value: "value", into: &canvas)
            if let timestamp = embed["timestamp"] as? String { canvas.paragraph(timestamp) }
        }
    }

    static func teams(_ json: [String: Any], into canvas: inout Canvas) {
        let cards = (json["attachments"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? [String: Any] }
        for card in cards {
            for element in card["body"] as? [[String: Any]] ?? [] { adaptiveElement(element, into: &canvas) }
            let actions = card["actions"] as? [[String: Any]] ?? []
            if !actions.isEmpty { canvas.paragraph(buttons(actions, title: { $0["title"] as? String ?? "" })) }
        }
    }

    static func adaptiveElement(_ element: [String: Any], into canvas: inout Canvas) {
        switch element["type"] as? String {
        case "TextBlock":
            let text = element["text"] as? String ?? ""
            canvas.paragraph(element["weight"] as? String == "Bolder" ? upper(text) : text)
        case "FactSet": fields(element["facts"], name: "title", value: "value", into: &canvas)
        case "Container", "Column":
            for item in element["items"] as? [[String: Any]] ?? [] { adaptiveElement(item, into: &canvas) }
        case "ActionSet":
            canvas.paragraph(buttons(element["actions"] as? [[String: Any]] ?? [], title: { $0["title"] as? String ?? "" }))
        case "ColumnSet":
            for column in element["columns"] as? [[String: Any]] ?? [] { adaptiveElement(column, into: &canvas) }
        default: break
        }
    }

    static func pagerDuty(_ json: [String: Any], into canvas: inout Canvas) {
        let payload = json["payload"] as? [String: Any] ?? [:]
        let action = (json["event_action"] as? String ?? "?").uppercased()
        canvas.paragraph("\(action) · \(payload["severity"] as? String ?? "-") · \(json["dedup_key"] as? String ?? "")")
        canvas.paragraph(upper(payload["summary"] as? String ?? ""))
        if let source = payload["source"] as? String { canvas.paragraph("source: \(source)") }
        for link in json["links"] as? [[String: Any]] ?? [] {
            canvas.paragraph("\(link["text"] as? String ?? "link"): \(link["href"] as? String ?? "")")
        }
    }

    static func ntfy(_ json: [String: Any], into canvas: inout Canvas) {
        let tags = (json["tags"] as? [String] ?? []).joined(separator: " ")
        canvas.paragraph("priority \(json["priority"] as? Int ?? 3)" + (tags.isEmpty ? "" : " · \(tags)"))
        if let title = json["title"] as? String { canvas.paragraph(upper(title)) }
        canvas.paragraph(json["message"] as? String ?? "")
        if let click = json["click"] as? String { canvas.paragraph("→ \(click)") }
    }

    // MARK: Pieces

    static func fields(_ value: Any?, name: String, value valueKey: String, into canvas: inout Canvas) {
        for field in value as? [[String: Any]] ?? [] {
            canvas.paragraph("\(field[name] as? String ?? ""): \(field[valueKey] as? String ?? "")", prefix: "  ")
        }
    }

    static func buttons(_ elements: [[String: Any]], title: ([String: Any]) -> String) -> String {
        elements.map { "[ \(title($0)) ]" }.joined(separator: " ")
    }

    /// A Slack text object's text (`{"type": "mrkdwn", "text": …}`), or a string as it is.
    static func plain(_ value: Any?) -> String {
        (value as? [String: Any])?["text"] as? String ?? value as? String ?? ""
    }

    /// Slack mrkdwn as shown: `<url|label>` → `label`, entities decoded.
    static func slackText(_ text: String) -> String {
        var shown = text.replacingOccurrences(of: #"<([^|>]+)\|([^>]+)>"#, with: "$2", options: .regularExpression)
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            shown = shown.replacingOccurrences(of: entity, with: character)
        }
        return shown
    }

    /// Telegram HTML as shown: tags dropped, entities decoded.
    static func stripHTML(_ text: String) -> String {
        slackText(text.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)).replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// A title: the terminal has no bold everywhere, so titles are shown in capitals.
    static func upper(_ text: String) -> String { text.uppercased() }

    /// Words wrapped to `width` characters; a word longer than the width is cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard text.count > width else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
            while line.count > width {
                lines.append(String(line.prefix(width)))
                line = String(line.dropFirst(width))
            }
        }
        lines.append(line)
        return lines
    }
}
