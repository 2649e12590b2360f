import Foundation
import Testing

@testable import Notify

/// Every flavour's escaping, proven on what a reader would see: Mattermost and Discord Markdown
/// through a real CommonMark renderer (``CommonMark``), Slack mrkdwn by its documented rules.
///
/// Each caption goes through what the pipeline does to a post's value (`TextFormatting.oneLine`,
/// then the format's escape); the visible text must be that value, with no mention, link or
/// formatting formed.
@Suite struct EscapingCorpusTests {
    /// Captions written to break a message: mentions in every service's syntax, Markdown,
    /// code, HTML and entities, Slack's own markup, RTL text, emoji, zero-width characters and
    /// a 100 KB caption.
    static let corpus: [String] = [
        // Issue 15: Mattermost showed `\&gt;` as `&gt;`.
        "Prices < $20 & shipping > fast",
        // Mentions.
        "@channel", "@here", "@all", "@everyone", "@ALL hands", "hey @channel and @here!", "@@everyone", "me@everyone.test",
        "<@123>", "<@!123>", "<@&456>", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S123>", "<#C123>",
        "<@U123|alice>", "@123", "@&456",
        // Markdown: emphasis, strong, strike-through, spoilers, headings, lists, quotes, rules, tables.
        "*emphasis*", "_emphasis_", "**strong**", "__strong__", "***both***", "~~strike~~", "~strike~", "||spoiler||",
        "# Heading", "## Heading ##", "###### six", "-# subtext", "- item", "+ item", "* item", "1. item", "1) item",
        "2024. A year", "> quote", ">> nested", "---", "***", "___", "- - -",
        "| a | b |\n|---|---|\n| c | d |", "a | b\n--|--\nc | d", "Heading\n===", "line one\nline two",
        // Links, autolinks, bare URLs, images, references.
        "[a](b)", "[click](https://evil.example)", "[a]: https://evil.example", "[a]", "[a][b]",
        "<https://evil.example>", "<mailto:a@b.test>", "https://evil.example/path?x=1", "http://evil.example",
        "![img](https://evil.example/x.png)", "<https://evil.example|click here>",
        // Code spans and fences.
        "`code`", "``double `tick` ``", "```\nfence\n```", "```swift", "~~~ fence", "    indented code", "\tcode",
        // HTML tags, comments and entities.
        "<b>bold</b>", "<script>alert(1)</script>", "<!-- comment -->", "<a href=\"https://evil.example\">x</a>",
        "&amp;", "&lt;b&gt;", "&#64;everyone", "&#x40;here", "&copy; &nbsp; &", "AT&T & Co", "&&", "<<>>", "a < b > c",
        // Backslashes and Markdown's other punctuation.
        "\\*not emphasis\\*", "back\\slash", "ends with \\", "\\", "{braces} (parens) !bang :colon: ~tilde",
        ":smile: <:custom:123> <a:wave:456> <t:1700000000:R> ~town-square",
        // RTL and bidi text, emoji, zero-width characters.
        "مرحبا @channel بالعالم", "שלום <b>עולם</b>", "invoice\u{202E}fdp.exe\u{202C}", "\u{2067}isolated\u{2069}",
        "🚀🔥 *launch* 👩‍👩‍👧 🏳️‍🌈", "@\u{200B}everyone", "@\u{200D}here", "a\u{200C}b\u{200B}c\u{2060}d", "\u{FEFF}BOM",
        // White space.
        "  leading and trailing  ", "a  \nb",
        // 100 KB of all of it.
        String(repeating: "Prices < $20 & *bold* _it_ `x` @everyone <@1> <!here> [x](https://e.example) # h ", count: 1_300),
    ]

    /// The captions a whole message holds: the 100 KB one, also in the title as the group's
    /// value, makes the message too long for any service, and the size limit leaves the post out
    /// (`…and 1 more`). Its escaping is proven on its own.
    static let fittingCorpus = corpus.filter { $0.utf16.count < 1_000 }

    /// What the pipeline does to a value before escaping it.
    static let values = corpus.map(TextFormatting.oneLine)

    /// The joiner postwatch inserts to break mentions, and nothing else to remove.
    static func withoutJoiners(_ text: String) -> String { text.replacingOccurrences(of: MessageFormat.joiner, with: "") }

    /// Pings in Mattermost's and Discord's text: `@channel`, `@all`, `@here`, `@everyone`,
    /// `@user`, `<@123>`, `<@!123>`, `<@&456>` (an `@` straight before a letter, digit, `!`
    /// or `&`).
    static func pings(_ text: String) -> [String] {
        text.matches(of: /@[\p{L}\p{N}!&]/).map { String($0.output) }
    }

    /// Slack's markup in raw text, which Mattermost's and Discord's Slack-compatible webhooks
    /// translate before rendering (`<!channel>` becomes `@channel`, `<url|label>` a link).
    static func slackMarkup(_ text: String) -> [String] {
        text.matches(of: /<[!@#a-zA-Z]/).map { String($0.output) }
    }

    /// The message text the default templates make of one post with `caption`, also grouped by it.
    static func defaultMessage(caption: String, format: MessageFormat) -> String {
        let message = MessageRenderer().render(
            MessageSubject(rule: "r", severity: .critical, group: [(field: "caption", value: caption)], events: [Fixtures.event(caption: caption)]),
            format: format)
        return MessageRenderer.text(title: message.title, body: message.body, format: format)
    }

    @Test(arguments: [MessageFormat.mattermost, .discord])
    func everyHostileCaptionShowsAsWrittenAndFormsNothing(_ format: MessageFormat) async throws {
        let escaped = Self.values.map(format.escape)
        let rendered = try await CommonMark.render(escaped)
        for (index, value) in Self.values.enumerated() {
            let rendering = rendered[index]
            let context = Comment(rawValue: "\(format) \(String(reflecting: value.prefix(80))) sent as \(String(reflecting: escaped[index].prefix(120)))")
            #expect(rendering.nodes.isEmpty, "formed \(rendering.nodes): \(context)")
            #expect(
                Self.withoutJoiners(rendering.text) == Self.withoutJoiners(value).trimmingCharacters(in: .whitespaces),
                "shown as \(String(reflecting: rendering.text.prefix(120))): \(context)")
            #expect(Self.pings(rendering.text).isEmpty, "pings in what is shown: \(context)")
            #expect(Self.pings(escaped[index]).isEmpty, "pings in what is sent: \(context)")
            #expect(Self.slackMarkup(escaped[index]).isEmpty, "Slack markup in what is sent: \(context)")
            // The renderer has no GFM autolinking, which Mattermost and Discord do on the raw
            // text: a bare URL must reach them broken (`https\://`).
            #expect(!escaped[index].contains(/[A-Za-z]:\/\//), "a bare URL in what is sent: \(context)")
        }
    }

    /// The whole default message, not just the escaped caption: a hostile caption forms exactly
    /// the nodes a harmless one does (the template's bold, emphasis and links) and pings nobody.
    @Test(arguments: [MessageFormat.mattermost, .discord])
    func aHostileCaptionChangesNothingInTheDefaultMessage(_ format: MessageFormat) async throws {
        let captions = ["Check out this amazing content"] + Self.fittingCorpus
        let messages = captions.map { Self.defaultMessage(caption: $0, format: format) }
        let rendered = try await CommonMark.render(messages)
        let expected = rendered[0].nodes
        #expect(expected.contains("em_open") && expected.contains("strong_open"))
        for index in captions.indices.dropFirst() {
            let context = Comment(rawValue: "\(format) \(String(reflecting: captions[index].prefix(80)))")
            #expect(rendered[index].nodes == expected, "\(context): \(String(reflecting: messages[index].prefix(400)))")
            #expect(Self.pings(rendered[index].text).isEmpty, context)
            #expect(Self.pings(messages[index]).isEmpty, context)
        }
    }

    /// Slack mrkdwn (api.slack.com/reference/surfaces/formatting): `&`, `<` and `>` are the only
    /// control characters, and every link and mention is `<…>`. So an escaped value holds no
    /// `<` or `>`, every `&` starts one of the three entities, and unescaping gives the value
    /// back with the markers mrkdwn cannot escape as look-alikes (``slackShown(_:)``), so that
    /// no bold, italic, strike or code can form: no `*`, `~` or backtick is left, and an `_`
    /// only between two letters or digits (where Slack never reads emphasis).
    @Test func slackMrkdwnHasNoControlCharacterLeftAndUnescapesToTheCaption() {
        for value in Self.values {
            let escaped = MessageFormat.slack.escape(value)
            let context = Comment(rawValue: "\(String(reflecting: value.prefix(80))) sent as \(String(reflecting: escaped.prefix(120)))")
            #expect(!escaped.contains("<") && !escaped.contains(">"), context)
            let ampersands = escaped.matches(of: /&/).count
            let entities = escaped.matches(of: /&(amp|lt|gt);/).count
            #expect(ampersands == entities, context)
            #expect(!escaped.contains("`") && !escaped.contains("*") && !escaped.contains("~"), context)
            #expect(escaped.matches(of: /(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/).isEmpty, "an emphasis underscore: \(context)")
            let unescaped = escaped.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&")
            #expect(unescaped == Self.slackShown(value), context)
        }
    }

    /// What Slack shows of a caption: the text, with `` ` `` `*` `~` as `ˋ` `∗` `∼` and an `_`
    /// not between two letters or digits as `ˍ`.
    static func slackShown(_ value: String) -> String {
        var shown = value.replacingOccurrences(of: "`", with: "\u{02CB}").replacingOccurrences(of: "*", with: "\u{2217}")
            .replacingOccurrences(of: "~", with: "\u{223C}")
        shown = shown.replacingOccurrences(of: #"(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])"#, with: "\u{02CD}", options: .regularExpression)
        return shown
    }

    /// In a whole Slack message, the only `<…>` are the template's links, whatever the caption.
    @Test func aHostileCaptionAddsNoSlackLinkOrMention() {
        func text(_ caption: String) -> String { Self.defaultMessage(caption: caption, format: .slack) }
        let links = text("Check out this amazing content").matches(of: /<[^>]*>/).map { String($0.output) }
        #expect(!links.isEmpty)
        for caption in Self.fittingCorpus {
            #expect(text(caption).matches(of: /<[^>]*>/).map { String($0.output) } == links, Comment(rawValue: String(reflecting: caption.prefix(80))))
        }
    }

    /// Issue 15: Mattermost got `Prices < $20 & shipping \&gt; fast`, and CommonMark shows `\&`
    /// as a literal `&`, so readers saw `&gt;`. Entities now come first, backslashes after.
    @Test func mattermostShowsComparisonSignsAsWritten() async throws {
        let caption = "Prices < $20 & shipping > fast"
        let escaped = MessageFormat.mattermost.escape(caption)
        #expect(!escaped.contains("\\&"))
        let rendered = try await CommonMark.render([escaped])
        #expect(rendered[0].text == caption)
    }

    /// Discord sent `&amp;` and `&#64;` as they were, and a CommonMark renderer shows them as `&`
    /// and `@`: an ampersand is escaped now.
    @Test func discordShowsEntitiesAsWritten() async throws {
        let captions = ["&amp; &lt;b&gt;", "&#64;everyone"]
        let rendered = try await CommonMark.render(captions.map(MessageFormat.discord.escape))
        #expect(rendered.map { Self.withoutJoiners($0.text) } == captions)
    }

    /// A value that starts like an ordered list item (`1. item`) stays text wherever a template
    /// puts it, even at the start of a line.
    @Test(arguments: [MessageFormat.mattermost, .discord])
    func aLeadingNumberIsNoListItem(_ format: MessageFormat) async throws {
        let rendered = try await CommonMark.render(["1. item", "2024. A year", "1) item"].map(format.escape))
        #expect(rendered.map(\.nodes) == [[], [], []])
        #expect(rendered.map(\.text) == ["1. item", "2024. A year", "1) item"])
    }
}
