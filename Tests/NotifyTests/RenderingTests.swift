import Foundation
import Mustache
import Testing
import Rules
import Watch

@testable import Notify

@Suite struct RenderingTests {
    let renderer = MessageRenderer()

    @Test func defaultFailedMessageNamesEverythingAUserNeeds() {
        let subject = MessageSubject(rule: "Failed TikTok posts", severity: .critical, events: [Fixtures.event()])
        let message = renderer.render(subject, format: .slack)
        #expect(message.title == "🚨 Failed TikTok posts: 1 post failed")
        let body = message.body
        for piece in [
            "tiktok video", "post_abc123", "acc_1a2b3c4d5e", "pending_render → failed",
            "Mon 22 Apr 2024 12:00 EDT",  // 16:00Z in New York
            "Check out this amazing content! #viral",
            "<https://storage.googleapis.com/b/post_abc123.mp4|content>",
            "<https://storage.googleapis.com/b/post_abc123/thumb.jpg|thumbnail>",
        ] {
            #expect(body.contains(piece), "missing \(piece) in \(body)")
        }
    }

    @Test func everyEventKindHasItsOwnWords() {
        let posted = Fixtures.event(from: "pending_render", to: "posted")
        let new = Fixtures.event(from: "new", to: "failed")
        let overdue = Fixtures.event(from: "generated", to: "generated", kind: .overdue, detectedAt: Fixtures.t0.addingTimeInterval(2_520))
        let deleted = Fixtures.event(from: "posted", to: "deleted", kind: .deleted)
        func body(_ event: Event) -> NotificationDocument.Message {
            renderer.render(MessageSubject(rule: "r", severity: .info, events: [event]), format: .plain)
        }
        #expect(body(posted).title == "ℹ️ r: 1 post posted")
        #expect(body(posted).body.contains("posted 12s after its scheduled time"))
        #expect(body(new).body.contains("first seen as failed"))
        #expect(body(overdue).title == "ℹ️ r: 1 post overdue")
        #expect(body(overdue).body.contains("overdue: still generated 42m after its scheduled time"))
        #expect(body(deleted).body.contains("deleted (last seen posted)"))
        #expect(body(deleted).title.hasSuffix("1 post deleted"))
    }

    @Test func ruleTemplatesOverrideTheDefaultsAndSeeTheContext() throws {
        let title = try MustacheTemplate(string: "{{count}} {{platform}} post(s) {{event}} <{{rule}}>")
        let body = try MustacheTemplate(string: "{{#posts}}{{postId}}={{{caption}}};{{/posts}}{{#group}}{{accountId}}{{/group}}")
        let custom = MessageRenderer(title: title, body: body)
        let subject = MessageSubject(
            rule: "R", severity: .warning, group: [(field: "accountId", value: "acc_1")],
            events: [Fixtures.event("p1", caption: "a <b> & c"), Fixtures.event("p2", caption: "x")])
        let message = custom.render(subject, format: .slack)
        // The template's own `<`…`>` is the author's markup; the values are escaped, even in `{{{…}}}`.
        #expect(message.title == "2 tiktok post(s) failed <R>")
        #expect(message.body == "p1=a &lt;b&gt; &amp; c;p2=x;acc_1")
    }

    @Test func captionsAreShortenedOnOneLine() {
        let long = String(repeating: "word ", count: 100) + "\nsecond line"
        let message = renderer.render(MessageSubject(rule: "r", severity: .info, events: [Fixtures.event(caption: long)]), format: .plain)
        let line = message.body.split(separator: "\n").first { $0.contains("caption:") } ?? ""
        #expect(line.count < 160)
        #expect(line.hasSuffix("…"))
    }

    @Test func heldEventsAreSaidWithTheirTime() {
        let subject = MessageSubject(
            rule: "r", severity: .info, events: [Fixtures.event()],
            suppressed: .init(count: 4, since: Fixtures.t0))
        let message = renderer.render(subject, format: .mattermost)
        #expect(message.body.contains("Includes 4 event(s) held back by the rule's throttle since 2024-04-22 16:00 UTC."))
    }

    @Test(arguments: MessageFormat.allCases)
    func aTooLongMessageListsFewerPostsAndSaysHowManyMore(format: MessageFormat) {
        let events = (0..<400).map { Fixtures.event("post_\($0)", caption: String(repeating: "long caption ", count: 20)) }
        let message = renderer.render(MessageSubject(rule: "r", severity: .critical, events: events), format: format)
        let text = MessageRenderer.text(title: message.title, body: message.body, format: format)
        #expect(text.utf16.count <= format.limit)
        #expect(message.more > 0)
        #expect(text.hasSuffix("…and \(message.more) more"))
        #expect(message.title.contains("400 posts failed"))
    }

    @Test func aHugeTemplateIsCutNeverRefused() throws {
        let body = try MustacheTemplate(string: String(repeating: "x", count: 5_000))
        let message = MessageRenderer(body: body).render(MessageSubject(rule: "r", severity: .info, events: [Fixtures.event()]), format: .discord)
        #expect(MessageRenderer.text(title: message.title, body: message.body, format: .discord).utf16.count <= 2_000)
    }

    @Test func slidesAreCountedAndLinkedToTheFirst() {
        var event = Fixtures.event()
        event.post = Fixtures.post(slides: 3)
        let message = renderer.render(MessageSubject(rule: "r", severity: .info, events: [event]), format: .mattermost)
        #expect(message.body.contains("slides (3 slides)"))
        #expect(message.body.contains("[content (3 slides)](https://storage.googleapis.com/b/post_abc123/slide1.jpg)"))
    }
}
