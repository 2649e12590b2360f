import Curl
import Foundation
import Redaction
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// The Telegram channel against a real HTTP receiver standing in for the Bot API: the exact
/// `sendMessage` body, HTML escaping, splitting, and both forms of a 429's wait.
@Suite struct TelegramChannelTests {
    static let transport = CurlTransport()
    static let token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

    static func document(severity: Severity = .critical, captions: [String] = ["Prices < $20 & shipping > fast"]) throws -> NotificationDocument {
        let rule = Fixtures.rule("Failed", severity: severity, when: "failed", channels: ["tg"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["tg": .telegram])
        let events = captions.enumerated().map { Fixtures.event("p\($0.offset + 1)", caption: $0.element) }
        let routing = router.route(events, at: Fixtures.t0, throttle: [:])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func url(_ receiver: HTTPReceiver, chat: String = "-100123") -> String {
        receiver.url("/bot\(token)/sendMessage?chat_id=\(chat)")
    }

    static func channel(_ receiver: HTTPReceiver, chat: String = "-100123", timeout: Duration = .seconds(30)) throws -> TelegramChannel {
        try TelegramChannel(name: "tg", url: url(receiver, chat: chat), transport: transport, timeout: timeout)
    }

    static func json(_ request: HTTPReceiver.Request) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
    }

    @Test func theGoldenSendMessageRequest() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver).send(try Self.document())
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.target == "/bot\(Self.token)/sendMessage", "the chat goes in the body, not the query")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(request.text == Self.golden, "\(request.text)")
    }

    /// Reviewed against the vendor's documented fields.
    static let golden = #"{"chat_id":-100123,"disable_web_page_preview":true,"parse_mode":"HTML","text":"<b>🚨 Failed: 1 post failed</b>\n❌ <b>tiktok video</b> · post p1 · account acc_1a2b3c4d5e\npending_render → failed · scheduled Mon 22 Apr 2024 12:00 EDT\n<i>Prices &lt; $20 &amp; shipping &gt; fast</i>\n<a href=\"https://storage.googleapis.com/b/p1.mp4\">content</a> · <a href=\"https://storage.googleapis.com/b/p1/thumb.jpg\">thumbnail</a>"}"#

    @Test func aChannelNameIsSentAsAString() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver, chat: "@postwatch_ops").send(try Self.document())
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(try Self.json(request)["chat_id"] as? String == "@postwatch_ops")
    }

    /// What Telegram's HTML parser reads is `<tag>` and `&entity;` only: a caption's are
    /// entities, so the visible text is the caption and no tag or link is formed.
    @Test func aHostileCaptionIsShownAsWritten() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let hostile = #"<b>bold</b> <a href="https://evil">x</a> &amp; &lt; @everyone @admin </i><i> <tg-spoiler>s</tg-spoiler>"#
        try await Self.channel(receiver).send(try Self.document(captions: [hostile]))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        let text = try #require(try Self.json(request)["text"] as? String)
        #expect(text.contains(
            "<i>&lt;b&gt;bold&lt;/b&gt; &lt;a href=\"https://evil\"&gt;x&lt;/a&gt; &amp;amp; &amp;lt; @\u{200D}everyone @\u{200D}admin &lt;/i&gt;&lt;i&gt; &lt;tg-spoiler&gt;s&lt;/tg-spoiler&gt;</i>"),
            "\(text)")
        // Every tag in the message is one postwatch wrote.
        let tags = TelegramSplit.atoms(text).filter { $0.hasPrefix("<") }
        #expect(Set(tags).isSubset(of: ["<b>", "</b>", "<i>", "</i>", "<a href=\"https://storage.googleapis.com/b/p1.mp4\">", "<a href=\"https://storage.googleapis.com/b/p1/thumb.jpg\">", "</a>"]), "\(tags)")
    }

    /// A message over 4,096 characters goes as several, numbered, each balanced, none cut.
    @Test func aLongMessageIsSplitIntoNumberedParts() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let captions = (1...8).map { "caption \($0) " + String(repeating: "<&> ", count: 100) }
        let document = try Self.document(captions: captions)
        #expect(document.message.more == 0, "the renderer keeps every post: the channel splits")
        try await Self.channel(receiver).send(document)
        let texts = try receiver.requests.map { try #require(try Self.json($0)["text"] as? String) }
        #expect(texts.count >= 2)
        for (index, text) in texts.enumerated() {
            #expect(text.hasPrefix("\(index + 1)/\(texts.count)\n"), "\(text.prefix(20))")
            #expect(text.utf16.count <= TelegramChannel.messageLimit)
            #expect(Self.isBalanced(text), "part \(index + 1)")
        }
        let all = texts.joined()
        for n in 1...8 { #expect(all.contains("caption \(n) "), "post \(n)") }
    }

    @Test func aSingleHugeLineIsSplitBetweenEntitiesAndTagsStayBalanced() {
        let line = "<i>" + String(repeating: "a&amp;", count: 2_000) + "</i>"
        let parts = TelegramSplit.parts(of: "<b>title</b>\n" + line, limit: 1_000)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.utf16.count <= 1_000)
            #expect(Self.isBalanced(part), "\(part.suffix(30))")
            #expect(!part.hasSuffix("&amp") && !part.hasPrefix("amp;"))
        }
        let joined = parts.joined().replacingOccurrences(of: "</i><i>", with: "")
        #expect(joined == "<b>title</b>\n" + line || joined == "<b>title</b>" + line, "nothing lost")
    }

    static func isBalanced(_ text: String) -> Bool {
        var stack: [String] = []
        for atom in TelegramSplit.atoms(text) where atom.hasPrefix("<") {
            let closing = atom.hasPrefix("</")
            let name = String(atom.dropFirst(closing ? 2 : 1).prefix { $0.isLetter || $0 == "-" })
            if closing {
                guard stack.last == name else { return false }
                stack.removeLast()
            } else {
                stack.append(name)
            }
        }
        return stack.isEmpty
    }

    /// 429 in its header form (`Retry-After`) and its body form (`parameters.retry_after`
    /// only): both honoured, then a 5xx retried, then delivered.
    @Test func bothFormsOfA429AreHonoured() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "7", body: #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#))
        receiver.enqueue(.json(#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 23","parameters":{"retry_after":23}}"#, status: 429))
        receiver.enqueue(.status(502, "Bad Gateway"))
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(7))
        clock.advance(7)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == clock.now.addingTimeInterval(23), "the body's retry_after, without a header")
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)
        clock.advance(23)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 502") == true)
        clock.advance(600)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        #expect(receiver.requests.count == 4)
    }

    @Test func aClientErrorIsPermanentAndTheTokenNeverShows() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        // A proxy quoting the path, and the token alone.
        receiver.setHandler { request in
            .json(#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found for \#(request.path) token \#(Self.token)"}"#, status: 400)
        }
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).failed == 1)
        let entry = try #require(await outbox.entry(id))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 400"), "\(error)")
        #expect(!error.contains("AAHdqTcvCH1vGWJx") && !error.contains("123456789"), "\(error)")
    }

    @Test func aTimeoutIsRetried() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(30)))
        let channel = try Self.channel(receiver, timeout: .milliseconds(300))
        let document = try Self.document()
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("a 30 s answer arrived within 300 ms")
        } catch {
            #expect(!error.isPermanent)
            #expect(!error.message.contains("AAHdqTcvCH1vGWJx"), "\(error.message)")
        }
    }

    static func delivery(_ receiver: HTTPReceiver) async throws -> (Delivery, MemoryOutbox, Int64, ManualClock) {
        let outbox = MemoryOutbox()
        let document = try Self.document()
        let id = await outbox.add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "tg", rule: "Failed", payload: try document.encoded()),
            at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver)], clock: clock, random: { 0 })
        return (delivery, outbox, id, clock)
    }
}
