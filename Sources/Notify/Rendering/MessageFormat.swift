import Foundation
import Rules

/// How a message is written for a kind of channel: its markup, its escaping and its size limit.
///
/// A markup, not a channel kind: the webhook, email and console kinds share ``plain``; a chat
/// kind brings its own (``ChannelKind/format`` says which). A format is its name plus its
/// ``Markup``, and a chat kind defines both in its own file in `Channels/Kinds/`, so a new kind
/// with a new markup touches no file here. The name is stored with every rendered message in
/// the outbox: a payload decodes only when its format is still known.
///
/// Everything that comes from a post (captions are written by users) goes through `escape(_:)`
/// before it reaches a template, so that it can neither ping anyone nor break the formatting.
public struct MessageFormat: RawRepresentable, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The name stored in the outbox: `plain`, or the chat kind's name (`slack`, …).
    public let rawValue: String
    /// The markup's rules.
    let markup: Markup

    init(name: String, markup: Markup) {
        self.rawValue = name
        self.markup = markup
    }

    /// The format of that name: `plain`, or a kind that writes its own markup.
    public init?(rawValue: String) {
        if rawValue == Self.plain.rawValue {
            self = .plain
            return
        }
        guard let format = ChannelKind(rawValue: rawValue)?.format, format.rawValue == rawValue else { return nil }
        self = format
    }

    /// Plain text: email, console, the webhook's `text`.
    public static let plain = MessageFormat(name: "plain", markup: .plain)

    /// `plain` and every kind's own markup, each once.
    public static var allCases: [MessageFormat] {
        var formats: [MessageFormat] = [.plain]
        for kind in ChannelKind.allCases where !formats.contains(kind.format) { formats.append(kind.format) }
        return formats
    }

    public var description: String { rawValue }

    public static func == (lhs: MessageFormat, rhs: MessageFormat) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let format = MessageFormat(rawValue: name) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown message format '\(name)'"))
        }
        self = format
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The longest message text the destination accepts, in UTF-16 code units (what the chat
    /// services count; never fewer than the characters a user sees).
    public var limit: Int { markup.limit }

    /// A zero-width joiner: placed after `@` or `<` it keeps the text readable and makes it no
    /// longer a mention for any of the services.
    static let joiner = "\u{200D}"

    /// Escapes a value that comes from a post (or from anything not written by the rule author).
    public func escape(_ value: String) -> String { markup.escape(value) }

    /// A link to `url` labelled `label` (the label is the template's own text, not escaped).
    ///
    /// Only `http(s)` URLs become links; anything else is shown as escaped text.
    public func link(_ url: String, label: String) -> String {
        guard let safe = Self.linkableURL(url) else { return escape(url) }
        return markup.link(safe, url, label)
    }

    /// Bold text in the flavour's markup (for template text, never for post values).
    public func bold(_ text: String) -> String { markup.bold(text) }

    // MARK: - Pieces

    static func entities(_ value: String) -> String {
        // Most values hold none of the three: a byte scan, not a walk over characters.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else {
            return value
        }
        if let ascii = mapASCII(value, { byte, out in
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            default: out.append(byte)
            }
        }) {
            return ascii
        }
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
    /// headings, quotes, tables and strike-through, and for the `.` of a leading number
    /// (`1. item` would start an ordered list wherever a template puts the value at a line's start).
    ///
    /// `&` and `;` are left alone, so the text may already hold entities: apply ``entities(_:)``
    /// first, never after (`\&gt;` shows as `&gt;`, issue 15).
    static func backslashMarkdown(_ value: String) -> String {
        // Nothing to escape in most ids and statuses: a byte scan first. A digit matters only
        // with a `.` after it, which the scan finds.
        let table = markdownSpecialASCII
        guard value.utf8.contains(where: { $0 < 0x80 && (table[Int($0)] || $0 == UInt8(ascii: ".")) }) else { return value }
        // Up to a list marker's `.`: 0 in the leading spaces, 1 in the leading digits, 2 past them.
        var listMarkerPhase = 0
        // ASCII text, byte by byte: the same as the walk over characters below, at a fraction
        // of the cost (in ASCII every character is one byte, but for `\r\n`, which is neither
        // special nor a digit either way).
        if let ascii = mapASCII(value, { byte, out in
            if table[Int(byte)] || (byte == UInt8(ascii: ".") && listMarkerPhase == 1) { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
            if listMarkerPhase == 0, byte == UInt8(ascii: " ") { return }
            listMarkerPhase = listMarkerPhase < 2 && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? 1 : 2
        }) {
            return ascii
        }
        let special = markdownSpecial
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            if special.contains(character) || (character == "." && listMarkerPhase == 1) { out.append("\\") }
            out.append(character)
            if listMarkerPhase == 0, character == " " { continue }
            listMarkerPhase = listMarkerPhase < 2 && character.isASCII && character.isNumber ? 1 : 2
        }
        return out
    }

    /// `value` with each byte written by `write`, when every byte is ASCII; nil otherwise.
    static func mapASCII(_ value: String, _ write: (UInt8, inout [UInt8]) -> Void) -> String? {
        guard value.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 16)
        for byte in value.utf8 { write(byte, &out) }
        return String(decoding: out, as: UTF8.self)
    }

    static let markdownSpecial: Set<Character> = ["\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", "!", "|", "~", ">", ":"]
    /// ``markdownSpecial`` as a table of the 128 ASCII bytes (every one of them is ASCII).
    static let markdownSpecialASCII: [Bool] = asciiTable(markdownSpecial)

    /// Puts a joiner after every `@` followed by a letter, so `@channel`, `@all`, `@here`,
    /// `@everyone` and `@someone` are shown but ping nobody.
    ///
    /// Also after an `@` before `&`, `!` (`<@&456>`, `<@!123>`) or a backslash: a Markdown
    /// escape (`@\!123`) shows as the character it escapes.
    static func neutraliseAt(_ value: String) -> String {
        // `utf8.contains`, not `contains("@")`: Foundation's substring search goes through NSString.
        guard value.utf8.contains(UInt8(ascii: "@")) else { return value }
        var out = ""
        var previousWasAt = false
        for character in value {
            if previousWasAt, character.isLetter || character.isNumber || character == "&" || character == "!" || character == "\\" {
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
        // A URL of plain ASCII with none of the characters below is already safe as it is.
        let unsafe = linkUnsafeASCII
        if url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !unsafe[Int($0)] }) { return url }
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

extension MessageFormat {
    /// The characters ``linkableURL(_:)`` percent-encodes, as a table of the ASCII bytes.
    static let linkUnsafeASCII: [Bool] = asciiTable(Set("|<>() \"`@"))

    /// For each ASCII byte, whether it is one of `characters`: a byte scan with it costs no hashing.
    static func asciiTable(_ characters: Set<Character>) -> [Bool] {
        (0..<128).map { characters.contains(Character(Unicode.Scalar(UInt8($0)))) }
    }
}

extension MessageFormat {
    /// How one ``MessageFormat`` writes a message: its size limit, how it escapes values from
    /// posts, how it writes links and bold text, and its default body template.
    ///
    /// Each chat markup is defined in the file of its channel kind (`Channels/Kinds/`); the plain one,
    /// shared by webhook, email and console, is here.
    struct Markup: Sendable {
        /// The longest message text the destination accepts, in UTF-16 code units.
        let limit: Int
        let escape: @Sendable (String) -> String
        /// A link to an `http(s)` URL: its form made safe inside link markup, the URL as given, and
        /// the label.
        let link: @Sendable (_ safeURL: String, _ url: String, _ label: String) -> String
        let bold: @Sendable (String) -> String
        /// The default body template (`DefaultTemplates.title` is the same for every markup).
        let defaultBody: String

        /// Plain text: email, console, the webhook's `text`.
        static let plain = Markup(
            // No hard limit for mail or a terminal, but a digest of thousands of posts helps nobody.
            limit: 100_000,
            escape: { $0 },
            link: { _, url, label in "\(label): \(url)" },
            bold: { $0 },
            defaultBody: DefaultTemplates.plain)
    }
}
