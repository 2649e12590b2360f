import Foundation
import Mustache
import Rules

/// Renders a message for a format with the rule's templates (or the defaults), within the
/// format's size limit: a message that would be too long lists fewer posts and ends with
/// "…and N more", so a send never fails for size.
///
/// Templates render as plain text (Mustache's HTML escaping is wrong for chat markup and mail);
/// the escaping for the format is done on the values in the context instead, so a template
/// cannot forget it, and `{{{caption}}}` is as safe as `{{caption}}`.
public struct MessageRenderer: Sendable {
    private let title: MustacheTemplate?
    private let body: MustacheTemplate?

    /// - Parameters: a rule's own `title`/`body` templates; `nil` for the defaults.
    public init(title: MustacheTemplate? = nil, body: MustacheTemplate? = nil) {
        self.title = title.flatMap { Self.plainText($0.description) }
        self.body = body.flatMap { Self.plainText($0.description) }
    }

    /// The renderer of a rule: its own `title`/`body` templates, or the defaults.
    public init(rule: Rule) {
        self.init(title: rule.title, body: rule.body)
    }

    /// Renders `subject` for `format`.
    public func render(_ subject: MessageSubject, format: MessageFormat) -> NotificationDocument.Message {
        let context = MessageContext(subject: subject, format: format)
        let titleTemplate = title ?? Self.defaultTitle
        let bodyTemplate = body ?? Self.defaultBodies[format]

        func attempt(_ listed: Int) -> (title: String, body: String, fits: Bool) {
            let values = context.build(listed: listed)
            let titleText = Self.titleLine(titleTemplate?.render(values) ?? "")
            var bodyText = Self.trimmed(bodyTemplate?.render(values) ?? "")
            let more = subject.events.count - listed
            if more > 0, !bodyText.contains("and \(more) more") {
                bodyText += (bodyText.isEmpty ? "" : "\n") + "…and \(more) more"
            }
            let size = Self.text(title: titleText, body: bodyText, format: format).utf16.count
            return (titleText, bodyText, size <= format.limit)
        }

        let total = subject.events.count
        let full = attempt(total)
        if full.fits {
            return .init(format: format, title: full.title, body: full.body, more: 0)
        }
        // The largest number of posts that fits: rendering is monotonic in the posts listed.
        var low = 0
        var high = total - 1
        var best: (title: String, body: String, listed: Int)?
        while low <= high {
            let mid = (low + high) / 2
            let result = attempt(mid)
            if result.fits {
                best = (result.title, result.body, mid)
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        if let best {
            return .init(format: format, title: best.title, body: best.body, more: total - best.listed)
        }
        // Even without any post it is too long (a huge template): cut it, never fail.
        let bare = attempt(0)
        let title = Self.cut(bare.title, toUTF16: 250)
        let room = format.limit - Self.text(title: title, body: "", format: format).utf16.count - 1
        return .init(format: format, title: title, body: Self.cut(bare.body, toUTF16: max(room, 0)), more: total)
    }

    /// The whole text a chat message carries: the title in bold on the first line, the body.
    public static func text(title: String, body: String, format: MessageFormat) -> String {
        let head = title.isEmpty ? "" : format.bold(title)
        if body.isEmpty { return head }
        if head.isEmpty { return body }
        return head + "\n" + body
    }

    /// A prefix of `text` of at most `limit` UTF-16 units, cut on a character boundary, ending
    /// with `…` when cut.
    static func cut(_ text: String, toUTF16 limit: Int) -> String {
        guard text.utf16Length > limit else { return text }
        var out = ""
        var used = 1  // the ellipsis
        for character in text {
            let size = character.utf16.count
            if used + size > limit { break }
            out.append(character)
            used += size
        }
        return out + "…"
    }

    static func titleLine(_ text: String) -> String { TextFormatting.oneLine(text) }

    static func trimmed(_ text: String) -> String {
        // Lines of trailing spaces and the blank lines the sections leave at the end.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop { $0 == " " || $0 == "\r" }.reversed())
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        // At most one blank line in a row (sections leave some behind).
        var kept: [String] = []
        for line in lines where !(line.isEmpty && kept.last?.isEmpty == true) { kept.append(line) }
        return kept.joined(separator: "\n")
    }

    /// A template parsed to render as plain text (no HTML escaping).
    static func plainText(_ text: String) -> MustacheTemplate? {
        try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    }

    static let defaultTitle = plainText(DefaultTemplates.title)
    static let defaultBodies: [MessageFormat: MustacheTemplate] = {
        var bodies: [MessageFormat: MustacheTemplate] = [:]
        for format in MessageFormat.allCases {
            bodies[format] = plainText(format.markup.defaultBody)
        }
        return bodies
    }()
}
