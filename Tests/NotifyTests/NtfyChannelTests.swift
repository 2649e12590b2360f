import Curl
import Foundation
import Redaction
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// The ntfy channel against a real HTTP receiver, through libcurl: the JSON publish form, its
/// exact bytes, the token, hostile captions, and every answer a server can give.
@Suite struct NtfyChannelTests {
    static let transport = CurlTransport()
    /// A caption that would add headers if any post text reached one.
    static let hostile = "Sale!\r\nX-Injected: 1\r\nPriority: 1\nTitle: pwned\n<b>&amp;</b> @everyone \"quoted\" \\ tab\there"

    static func document(severity: Severity = .critical, caption: String = "Prices < $20 & shipping > fast") throws -> NotificationDocument {
        let rule = Fixtures.rule("Failed", severity: severity, when: "failed", channels: ["phone"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["phone": .ntfy])
        let routing = router.route([Fixtures.event("p1", caption: caption)], at: Fixtures.t0, throttle: [:])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func channel(_ receiver: HTTPReceiver, topic: String = "postwatch_alerts_7f3a", token: String? = nil, timeout: Duration = .seconds(30)) throws -> NtfyChannel {
        try NtfyChannel(name: "phone", url: receiver.url("/\(topic)"), token: token, transport: transport, timeout: timeout)
    }

    /// The exact request: JSON to the server's root, the topic in the body, no header built
    /// from the message.
    @Test func theGoldenPublishRequest() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver).send(try Self.document())
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.target == "/")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(request.header("Authorization") == nil)
        #expect(request.text == Self.golden, "\(request.text)")
    }

    /// Reviewed against the vendor's documented fields.
    static let golden = #"{"click":"https://storage.googleapis.com/b/p1.mp4","message":"❌ tiktok video · post p1 · account acc_1a2b3c4d5e\n  pending_render → failed\n  scheduled Mon 22 Apr 2024 12:00 EDT\n  caption: Prices < $20 & shipping > fast\n  content: https://storage.googleapis.com/b/p1.mp4\n  thumbnail: https://storage.googleapis.com/b/p1/thumb.jpg","priority":5,"tags":["rotating_light","postwatch","critical"],"title":"🚨 Failed: 1 post failed","topic":"postwatch_alerts_7f3a"}"#

    @Test(arguments: [(Severity.critical, 5, "rotating_light"), (.warning, 4, "warning"), (.info, 3, "information_source")])
    func priorityAndTagsFollowTheSeverity(severity: Severity, priority: Int, emoji: String) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver).send(try Self.document(severity: severity))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(json["priority"] as? Int == priority)
        #expect(json["tags"] as? [String] == [emoji, "postwatch", severity.rawValue])
        #expect(json["click"] as? String == "https://storage.googleapis.com/b/p1.mp4")
    }

    @Test func theAccessTokenIsABearerAndNeverInAnError() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let token = "tk_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        receiver.enqueue(.status(200, "{}"))
        receiver.setDefault(.status(403, #"{"code":40301,"http":403,"error":"forbidden","link":"https://ntfy.sh/docs/publish/#authentication","token":"\#(token)"}"#))
        let channel = try Self.channel(receiver, token: token)
        try await channel.send(try Self.document())
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.header("Authorization") == "Bearer \(token)")
        let second = try Self.document()
        do throws(DeliveryFailure) {
            try await channel.send(second)
            Issue.record("a 403 was taken for a success")
        } catch {
            #expect(error.isPermanent)
            #expect(error.message.hasPrefix("HTTP 403") && !error.message.contains(token), "\(error.message)")
        }
    }

    /// Nothing from a post becomes a header: CR/LF in a caption stays inside a JSON string.
    @Test func aHostileCaptionCannotChangeAHeader() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let document = try Self.document(caption: Self.hostile)
        try await Self.channel(receiver).send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.header("X-Injected") == nil && request.header("Priority") == nil && request.header("Title") == nil)
        #expect(request.headers.allSatisfy { !$0.value.contains("pwned") && !$0.value.contains("Sale") })
        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(json["priority"] as? Int == 5)
        #expect((json["title"] as? String)?.contains("\n") == false)
        // ntfy shows text as it is: the caption arrives whole, nothing to unescape.
        let message = try #require(json["message"] as? String)
        #expect(message.contains("<b>&amp;</b> @everyone \"quoted\" \\ tab"), "\(message)")
    }

    @Test func aTokenWithALineBreakIsRefusedWhenBuilt() throws {
        #expect(throws: NotifyError.self) {
            try NtfyChannel(name: "phone", url: "https://ntfy.sh/alerts", token: "tk_abc\r\nX-Evil: 1", transport: Self.transport)
        }
        #expect(throws: NotifyError.self) {
            try NtfyChannel(name: "phone", url: "https://ntfy.sh/a/b?x=1", transport: Self.transport)
        }
    }

    /// 429 with `Retry-After`, then a 5xx, both retried; then delivered.
    @Test func tooManyRequestsAndServerErrorsAreRetried() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "9", body: #"{"code":42901,"http":429,"error":"limit reached"}"#))
        receiver.enqueue(.status(503, "down"))
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(9))
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)
        clock.advance(9)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 503") == true)
        clock.advance(600)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        #expect(receiver.requests.count == 3)
    }

    @Test func aClientErrorIsPermanentAndRedacted() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(400, #"{"code":40003,"error":"invalid request: topic postwatch_alerts_7f3a"}"#))
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).failed == 1)
        let entry = try #require(await outbox.entry(id))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 400"), "\(error)")
        #expect(!error.contains("postwatch_alerts_7f3a"), "\(error)")
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
            #expect(error.message.contains("timeout") || error.message.contains("timed out"), "\(error.message)")
        }
    }

    static func delivery(_ receiver: HTTPReceiver) async throws -> (Delivery, MemoryOutbox, Int64, ManualClock) {
        let outbox = MemoryOutbox()
        let document = try Self.document()
        let id = await outbox.add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "phone", rule: "Failed", payload: try document.encoded()),
            at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver)], clock: clock, random: { 0 })
        return (delivery, outbox, id, clock)
    }
}
