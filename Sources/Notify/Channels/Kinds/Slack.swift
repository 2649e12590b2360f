import Foundation
import Rules

extension ChannelRegistration {
    /// `slack`: an incoming webhook, Block Kit (``SlackBlockKit``) or `{"text": …}` in mrkdwn.
    static let slack = chat(.slack, markup: .slack)
}

extension MessageFormat {
    /// The slack markup (the format of `slack` channels).
    public static var slack: MessageFormat { ChannelKind.slack.format }
}

extension MessageFormat.Markup {
    /// Slack mrkdwn: `&`, `<`, `>` are the only control characters, escaped as entities; the
    /// emphasis and code markers, which mrkdwn cannot escape, become look-alikes.
    static let slack = MessageFormat.Markup(
        limit: 40_000,
        escape: { value in slackLookAlikes(MessageFormat.entities(value)) },
        link: { safe, _, label in "<\(safe)|\(label)>" },
        bold: { "*\($0)*" },
        defaultBody: slackBody)

    /// mrkdwn has no escape for `` ` `` (code, and a code block is the one markup that spans
    /// lines), `*` (bold), `~` (strike) or `_` (italic): a caption's `*50% off*` would be bold.
    /// They become look-alikes (`ˋ` U+02CB, `∗` U+2217, `∼` U+223C, `ˍ` U+02CD), as Teams's
    /// are; an `_` between two letters or digits stays (`acc_1a2b`, `snake_case`): Slack never
    /// reads that one as emphasis, and IDs stay copyable.
    static func slackLookAlikes(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "_") })
        else { return text }
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII, byte by byte (the same as the walk over characters below; a letter or digit
            // is A–Z, a–z, 0–9 there).
            let bytes = Array(text.utf8)
            func isWordByte(_ index: Int) -> Bool {
                let byte = bytes[index]
                return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
            var out = ""
            out.reserveCapacity(bytes.count + 16)
            var kept = 0
            for (index, byte) in bytes.enumerated() {
                let replacement: String
                switch byte {
                case UInt8(ascii: "`"): replacement = "\u{02CB}"
                case UInt8(ascii: "*"): replacement = "\u{2217}"
                case UInt8(ascii: "~"): replacement = "\u{223C}"
                case UInt8(ascii: "_") where !(index > 0 && index + 1 < bytes.count && isWordByte(index - 1) && isWordByte(index + 1)):
                    replacement = "\u{02CD}"
                default: continue
                }
                out += String(decoding: bytes[kept..<index], as: UTF8.self)
                out += replacement
                kept = index + 1
            }
            return out + String(decoding: bytes[kept...], as: UTF8.self)
        }
        let characters = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for (index, character) in characters.enumerated() {
            switch character {
            case "`": out += "\u{02CB}"
            case "*": out += "\u{2217}"
            case "~": out += "\u{223C}"
            case "_":
                let inWord = index > 0 && index + 1 < characters.count
                    && (characters[index - 1].isLetter || characters[index - 1].isNumber)
                    && (characters[index + 1].isLetter || characters[index + 1].isNumber)
                out += inWord ? "_" : "\u{02CD}"
            default: out.append(character)
            }
        }
        return out
    }

    /// The default body in mrkdwn.
    static let slackBody = DefaultTemplates.withFooter(
        """
        {{#posts}}
        {{statusEmoji}} *{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}* · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        > {{caption}}
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        """)
}
