import Curl
import Foundation
import Rules
import Sandbox
import TestSupport
import Testing
import Watch

@testable import Notify

/// A webhook's own body (`template …`) against a real HTTP receiver: the golden body, hostile
/// captions through random documents, a render that is not JSON, and every answer a receiver
/// can give.
@Suite struct WebhookTemplateTests {
    static let transport = CurlTransport()

    /// What a user would write for a chat-like receiver: text, every post, the raw post.
    static let template = """
        {
          "text": "{{title}}",
          "rule": "{{rule}}",
          "severity": "{{severity}}",
          "count": {{count}},
          "group": {{json(group)}},
          "posts": [
            {{#events}}
            {"id": "{{post.postId}}", "caption": "{{post.caption}}", "change": "{{from}} → {{to}}", "overdue": {{json(overdueSeconds)}}, "post": {{json(post)}}}{{^last()}},{{/last()}}
            {{/events}}
          ],
          "suppressed": {{json(suppressed)}}
        }
        """

    static func document(
        captions: [String] = ["Check out this amazing content! #viral"], kind: Event.Kind = .transition, groupBy: [String] = ["accountId"]
    ) throws -> NotificationDocument {
        let rule = Fixtures.rule("Failed", severity: .critical, when: kind == .overdue ? "overdue 30m" : "failed", channels: ["hook"], groupBy: groupBy)
        let router = NotificationRouter(rules: [rule], channelKinds: ["hook": .webhook])
        let events = captions.enumerated().map { index, caption in
            kind == .overdue
                ? Fixtures.event("p\(index + 1)", from: "generated", to: "generated", kind: .overdue, caption: caption)
                : Fixtures.event("p\(index + 1)", caption: caption)
        }
        let routing = router.route(events, at: Fixtures.t0, throttle: [:])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func channel(_ url: String, template: String = template, secret: String? = nil, signature: WebhookSignatureScheme = .postwatch) throws -> WebhookChannel {
        try WebhookChannel(
            name: "hook", url: url, secret: secret, transport: transport, template: try PayloadTemplate(template),
            signature: signature, clock: ManualClock(Fixtures.t0))
    }

    @Test func theGoldenCustomBody() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver.url("/hook")).send(try Self.document(captions: ["Prices < $20 & \"shipping\" > fast", "second\npost"]))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(request.header("Idempotency-Key")?.count == 64)
        try GoldenFile.check(request.body, kind: "webhook", name: "custom-template.json")
    }

    /// The example of docs/channels.md, byte for byte: the template's own spacing is kept.
    @Test func theDocumentedExampleIsWhatIsSent() throws {
        let template = #"{"text": "{{title}}", "posts": [{{#events}}{"id": "{{post.postId}}", "caption": "{{post.caption}}", "post": {{json(post)}}}{{^last()}},{{/last()}}{{/events}}]}"#
        let body = try Self.channel("http://127.0.0.1:1/", template: template)
            .body(for: try Self.document(captions: ["Prices < $20 & \"shipping\" > fast"], groupBy: []))
        let documented = #"{"text": "🚨 Failed: 1 post failed", "posts": [{"id": "p1", "caption": "Prices < $20 & \"shipping\" > fast", "post": {"accountId":"acc_1a2b3c4d5e","caption":"Prices < $20 & \"shipping\" > fast","contentType":"video","contentUrl":"https://storage.googleapis.com/b/p1.mp4","createdAt":"2024-04-21T20:00:00Z","platform":"tiktok","postId":"p1","postedAt":null,"scheduledTime":"2024-04-22T16:00:00Z","soundId":"snd_xyz789","status":"failed","thumbnailUrl":"https://storage.googleapis.com/b/p1/thumb.jpg","timezone":"America/New_York"}}]}"#
        #expect(String(decoding: body, as: UTF8.self) == documented)
    }

    /// Random documents with captions from the escaping corpus (and control characters, U+2028,
    /// emoji, 100 KB): the body always parses (Foundation's parser, not postwatch's) and gives
    /// back each caption exactly, in the string and in `json(post)`.
    @Test(arguments: 0..<16)
    func hostileCaptionsAlwaysRenderJSONAndRoundTrip(seed: Int) throws {
        var generator = SeededRandom(seed: UInt64(seed))
        let corpus = EscapingCorpusTests.corpus + [
            "\u{00}\u{01}\u{1F}\u{7F}", "\u{2028}\u{2029}", "\"}]\",", "\\u0022", "\\\"", "a\r\nb\tc\u{08}\u{0C}", "🎉👩🏽‍💻🏳️‍🌈", "",
        ]
        let captions = (0..<Int.random(in: 1...6, using: &generator)).map { _ in corpus.randomElement(using: &generator)! }
        let kind: Event.Kind = Bool.random(using: &generator) ? .transition : .overdue
        let document = try Self.document(captions: captions, kind: kind)
        let body = try Self.channel("http://127.0.0.1:1/").body(for: document)
        // JSONDecoder, not JSONSerialization: on Linux the latter drops a U+FEFF inside a string.
        struct Rendered: Decodable {
            struct Entry: Decodable {
                struct Post: Decodable { let caption: String }
                let caption: String
                let post: Post
            }
            let rule: String
            let count: Int
            let posts: [Entry]
        }
        let rendered = try JSONDecoder().decode(Rendered.self, from: body)
        #expect(rendered.posts.map(\.caption) == captions)
        #expect(rendered.posts.map(\.post.caption) == captions)
        #expect(rendered.rule == "Failed")
        #expect(rendered.count == captions.count)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["suppressed"] is NSNull, "an absent field is null, not nothing")
    }

    /// A template lint would refuse (built here directly): the render is not JSON, so the
    /// delivery fails for good and nothing is sent.
    @Test func aRenderThatIsNotJSONIsAPermanentFailureAndSendsNothing() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let channel = try Self.channel(receiver.url("/hook"), template: #"{"caption": {{#events}}{{post.caption}}{{/events}}}"#)
        let document = try Self.document()
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("sent a body that is not JSON")
        } catch {
            #expect(error.isPermanent)
            #expect(error.message.hasPrefix("the webhook template did not render JSON: expected a value"), "\(error.message)")
            #expect(error.message.contains("line 1, column 13 of the rendered body"), "\(error.message)")
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(receiver.requests.isEmpty)
    }

    @Test func retryAfterThenServerErrorThenDelivered() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "9"))
        receiver.enqueue(.serverError())
        let outbox = MemoryOutbox()
        let document = try Self.document()
        let id = await outbox.add(OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "hook", rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver.url("/hook"))], clock: clock, random: { 0 })

        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(9))
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)
        clock.advance(9)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 500") == true)
        clock.advance(60)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        // Every attempt sent the same body with the same key.
        #expect(Set(receiver.requests.map(\.body)).count == 1)
        #expect(Set(receiver.requests.compactMap { $0.header("Idempotency-Key") }) == [document.idempotencyKey])
    }

    @Test func aClientErrorIsPermanent() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(422, "unprocessable"))
        let outbox = MemoryOutbox()
        let document = try Self.document()
        let id = await outbox.add(OutboxDraft(idempotencyKey: "k", channel: "hook", rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver.url("/hook"))], clock: ManualClock(Fixtures.t0))
        #expect(await delivery.deliverDue(now: Fixtures.t0).failed == 1)
        #expect(try #require(await outbox.entry(id)).lastError == "HTTP 422: unprocessable")
    }

    /// Lint checks names against `PayloadSample`: it must have every field a real document can
    /// have, and no other (a field renamed in `NotificationDocument` breaks this test, not users).
    @Test func theLintSampleHasTheShapeOfARealDocument() throws {
        var overdue = Fixtures.event("p2", from: "generated", to: "generated", kind: .overdue)
        overdue.cycle = 7
        var transition = Fixtures.event("p1", to: "posted")
        transition.cycle = 7
        var document = try Self.document()
        document.events = [transition, overdue]
        document.suppressed = .init(count: 2, since: Fixtures.t0)
        let real = try JSONParser.parse(String(decoding: try document.encoded(), as: UTF8.self))
        #expect(Self.paths(real).filter { !$0.hasPrefix("group.") } == Self.paths(PayloadSample.document).filter { !$0.hasPrefix("group.") })
    }

    /// `a.b`, `events[].post.caption`: every field path of a value.
    static func paths(_ value: JSONValue, prefix: String = "") -> Set<String> {
        switch value {
        case .object(let members):
            var all: Set<String> = []
            for member in members { all.formUnion(paths(member.value, prefix: prefix + member.key + ".")) }
            return members.isEmpty ? [prefix] : all
        case .array(let elements):
            var all: Set<String> = []
            for element in elements { all.formUnion(paths(element, prefix: String(prefix.dropLast()) + "[].")) }
            // A list of strings (`contentUrl` of slides) is a value like a string.
            return elements.allSatisfy({ if case .object = $0 { false } else { true } }) ? [String(prefix.dropLast())] : all
        default:
            return [String(prefix.dropLast())]
        }
    }
}
