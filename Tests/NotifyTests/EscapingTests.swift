import Foundation
import Mustache
import Rules
import Testing

@testable import Notify

@Suite struct EscapingTests {
    static let hostile = "<!channel> <!here> <@U123> <@&456> @here @everyone @channel @all *bold* _it_ `code` [x](https://evil) # h & done"

    func render(_ format: MessageFormat) -> String {
        let message = MessageRenderer().render(
            MessageSubject(rule: "r", severity: .critical, group: [(field: "caption", value: Self.hostile)], events: [Fixtures.event(caption: Self.hostile)]),
            format: format)
        return MessageRenderer.text(title: message.title, body: message.body, format: format)
    }

    @Test func slackEscapesTheThreeControlCharacters() {
        let text = render(.slack)
        #expect(!text.contains("<!channel>"))
        #expect(!text.contains("<!here>"))
        #expect(!text.contains("<@U123>"))
        #expect(text.contains("&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt;"))
        #expect(text.contains("&amp; done"))
        #expect(!text.contains("`"))
        // The only `<…>` left are the links the template made.
        let opens = text.components(separatedBy: "<").count - 1
        #expect(opens == 2)
    }

    @Test func mattermostNeutralisesMentionsAndMarkdown() {
        let text = render(.mattermost)
        for mention in ["@here", "@everyone", "@channel", "@all"] {
            #expect(!text.contains(mention), "\(mention) would ping")
        }
        #expect(text.contains("@\u{200D}channel"))
        #expect(text.contains("\\*bold\\*"))
        #expect(text.contains("\\_it\\_"))
        #expect(text.contains("\\`code\\`"))
        #expect(text.contains("\\[x\\]\\(https\\://evil\\)"))
        #expect(!text.contains("<!channel>"))
    }

    @Test func discordNeutralisesEveryMentionForm() {
        let text = render(.discord)
        for mention in ["@here", "@everyone", "<@U123>", "<@&456>", "<@", "<!"] {
            #expect(!text.contains(mention), "\(mention) would ping")
        }
        #expect(text.contains("\\*bold\\*"))
        #expect(text.utf16.count <= 2_000)
    }

    @Test func plainTextIsLeftAsIsButOnOneLine() {
        #expect(MessageFormat.plain.escape("a <b>") == "a <b>")
        let message = MessageRenderer().render(
            MessageSubject(rule: "r", severity: .info, events: [Fixtures.event(caption: "one\r\nSubject: two")]), format: .plain)
        #expect(message.body.contains("caption: one Subject: two"))
    }

    /// Issue 12, "Also": bidi embedding, override and isolate controls (U+202A–U+202E,
    /// U+2066–U+2069) from a post would reorder a chat line or a mail subject (`fdp.exe` shown
    /// as `exe.pdf`); they are dropped wherever other control characters are neutralised.
    @Test func bidiControlsFromAPostReachNoChatTextAndNoMail() throws {
        let controls = (0x202A...0x202E).map { Unicode.Scalar($0)! } + (0x2066...0x2069).map { Unicode.Scalar($0)! }
        let hostile = "invoice\u{202E}fdp.exe\u{202C} " + String(String.UnicodeScalarView(controls)) + "end"
        func bidiFree(_ text: String) -> Bool { !text.unicodeScalars.contains { controls.contains($0) } }

        // In the caption, a group value and (through a rule's title) a mail subject.
        let renderer = MessageRenderer(title: try MustacheTemplate(string: "failed: {{caption}} {{#group}}{{accountId}}{{/group}}"))
        let subject = MessageSubject(
            rule: "r", severity: .critical, group: [(field: "accountId", value: hostile)],
            events: [Fixtures.event(caption: hostile)])
        for format in MessageFormat.allCases {
            let message = renderer.render(subject, format: format)
            let text = MessageRenderer.text(title: message.title, body: message.body, format: format)
            #expect(bidiFree(text), "\(format): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(text.contains("invoicefdp.exe"), "\(format): \(text)")
        }
        let message = renderer.render(subject, format: .plain)
        let mail = EmailMessage(
            from: try EmailAddress("alerts@example.com"), fromName: "postwatch", to: [try EmailAddress("oncall@example.com")],
            subject: message.title, body: message.body, date: Fixtures.t0, idempotencyKey: "k")
        let rendered = String(decoding: mail.rendered(), as: UTF8.self)
        #expect(bidiFree(rendered))
        // Quoted-printable and RFC 2047 would carry them as bytes: E2 80 AE is U+202E.
        for encoded in ["=E2=80=AE", "=E2=81=A6", "4oCu"] {
            #expect(!rendered.contains(encoded), "\(encoded) in \(rendered)")
        }
        #expect(TextFormatting.oneLine("a\u{202E}b\u{2066}c") == "abc")
    }

    @Test func linksOnlyForHTTPAndNeverBreakTheMarkup() {
        #expect(MessageFormat.slack.link("javascript:alert(1)", label: "content") == "javascript:alert(1)")
        #expect(MessageFormat.slack.link("https://x.test/a|<!channel>", label: "content") == "<https://x.test/a%7C%3C!channel%3E|content>")
        #expect(MessageFormat.mattermost.link("https://x.test/a)b", label: "c") == "[c](https://x.test/a%29b)")
    }

    @Test func urlsAreRedactedToSchemeAndHost() {
        #expect(redactedURL("https://hooks.slack.com/services/T000/B000/XXXX") == "https://hooks.slack.com/…")
        #expect(redactedURL("https://user:pw@example.com:8443/x?y") == "https://example.com:8443/…")
        #expect(redactedURL("not a url") == "…")
    }
}
