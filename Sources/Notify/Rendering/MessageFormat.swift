import Foundation

/// How a message is written for a kind of channel: its markup, its escaping and its size limit.
///
/// A markup, not a channel kind: several kinds share one (``ChannelKind/format`` says which), and
/// its name is stored with every rendered message in the outbox, so it stays a closed enum.
///
/// Everything that comes from a post (captions are written by users) goes through `escape(_:)`
/// before it reaches a template, so that it can neither ping anyone nor break the formatting.
public enum MessageFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Slack mrkdwn: `&`, `<`, `>` are the only control characters (and backticks are made
    /// harmless).
    case slack
    /// Mattermost Markdown: entities as Slack, Markdown escaped, `@mentions` neutralised.
    case mattermost
    /// Discord (through its `/slack` endpoint): Markdown escaped, mentions neutralised.
    case discord
    /// Plain text: email, console, the webhook's `text`.
    case plain

    /// The longest message text the destination accepts, in UTF-16 code units (what the chat
    /// services count; never fewer than the characters a user sees).
    public var limit: Int {
        switch self {
        case .slack: 40_000
        case .mattermost: 16_383
        case .discord: 2_000
        // No hard limit for mail or a terminal, but a digest of thousands of posts helps nobody.
        case .plain: 100_000
        }
    }

    /// A zero-width joiner: placed after `@` or `<` it keeps the text readable and makes it no
    /// longer a mention for any of the services.
    static let joiner = "\u{200D}"

    /// Escapes a value that comes from a post (or from anything not written by the rule author).
    public func escape(_ value: String) -> String {
        switch self {
        case .slack:
            // mrkdwn has no escape for a backtick, and a code block (```) is the one piece of
            // markup that spans lines: a look-alike keeps a caption from swallowing the message.
            return Self.entities(value).replacingOccurrences(of: "`", with: "\u{02CB}")
        case .mattermost:
            return Self.neutraliseAt(Self.entities(Self.backslashMarkdown(value)))
        case .discord:
            // Discord's `/slack` endpoint passes the text on as Markdown; entities would show
            // literally. `<` and `@` get a joiner so neither `<@id>`, `<!channel>`, `@everyone`
            // nor `@here` can be formed again whatever the endpoint translates first.
            var text = Self.backslashMarkdown(value)
            text = text.replacingOccurrences(of: "<", with: "<" + Self.joiner)
            return Self.neutraliseAt(text)
        case .plain:
            return value
        }
    }

    /// A link to `url` labelled `label` (the label is the template's own text, not escaped).
    ///
    /// Only `http(s)` URLs become links; anything else is shown as escaped text.
    public func link(_ url: String, label: String) -> String {
        guard let safe = Self.linkableURL(url) else { return escape(url) }
        switch self {
        case .slack: return "<\(safe)|\(label)>"
        case .mattermost: return "[\(label)](\(safe))"
        // Angle brackets: a plain link without a big embed for every post.
        case .discord: return "\(label): <\(safe)>"
        case .plain: return "\(label): \(url)"
        }
    }

    /// Bold text in the flavour's markup (for template text, never for post values).
    public func bold(_ text: String) -> String {
        switch self {
        case .slack: "*\(text)*"
        case .mattermost, .discord: "**\(text)**"
        case .plain: text
        }
    }

    // MARK: - Pieces

    static func entities(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// CommonMark backslash escapes for the characters that start emphasis, code, links,
    /// headings, quotes, tables and strike-through.
    static func backslashMarkdown(_ value: String) -> String {
        let special: Set<Character> = ["\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", "!", "|", "~", ">", ":"]
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            if special.contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Puts a joiner after every `@` followed by a letter, so `@channel`, `@all`, `@here`,
    /// `@everyone` and `@someone` are shown but ping nobody.
    static func neutraliseAt(_ value: String) -> String {
        guard value.contains("@") else { return value }
        var out = ""
        var previousWasAt = false
        for character in value {
            if previousWasAt, character.isLetter || character.isNumber || character == "&" || character == "!" {
                out += joiner
            }
            out.append(character)
            previousWasAt = character == "@"
        }
        return out
    }

    /// The URL if it is a plain `http(s)` URL safe to put inside link markup, percent-encoding
    /// the characters that would end the markup early.
    static func linkableURL(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return nil }
        var out = ""
        for scalar in url.unicodeScalars {
            switch scalar {
            case "|": out += "%7C"
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "(": out += "%28"
            case ")": out += "%29"
            case " ": out += "%20"
            case "\"": out += "%22"
            case "`": out += "%60"
            case "@": out += "%40"
            default:
                guard scalar.value > 0x20, scalar.value != 0x7F else { return nil }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
