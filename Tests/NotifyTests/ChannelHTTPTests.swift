import Curl
import Foundation
import Testing
import Redaction
import TestSupport
import Rules
import Watch

@testable import Notify

/// The chat and webhook channels against a real HTTP receiver, through libcurl.
@Suite struct ChannelHTTPTests {
    static let transport = CurlTransport()
    static let hostile = "<!channel> <@U123> <@&456> @here @everyone @channel *bold* [x](https://evil)"

    static func document(kind: ChannelKind, channel: String = "ops", caption: String = hostile, secret: Bool = false) throws -> NotificationDocument {
        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: [channel])
        let router = NotificationRouter(rules: [rule], channelKinds: [channel: kind])
        let routing = router.route([Fixtures.event("p1", caption: caption)], at: Fixtures.t0, throttle: [:])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func text(of request: HTTPReceiver.Request) throws -> String {
        let json = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        return try #require(json?["text"] as? String)
    }

    /// The `{"text": …}` payload (`layout text`). Slack's and Mattermost's
    /// default layouts are proven in `Channels/SlackBlockKitTests` and `MattermostAttachmentsTests`.
    @Test(arguments: [ChannelKind.slack, .mattermost])
    func chatMessagesArriveEscaped(kind: ChannelKind) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let channel = ChatChannel(name: "ops", kind: kind, url: receiver.url("/hooks/abc"), transport: Self.transport, layout: .text)
        try await channel.send(try Self.document(kind: kind))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/abc")
        #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
        let text = try Self.text(of: request)
        #expect(text.contains("p1"))
        for ping in ["<!channel>", "<@U123>", "<@&456>"] { #expect(!text.contains(ping), "\(kind): \(ping)") }
        if kind != .slack {
            for ping in ["@here", "@everyone", "@channel"] { #expect(!text.contains(ping), "\(kind): \(ping)") }
            #expect(!text.contains("[x](https://evil)"))
        }
    }

    @Test func aReceiverVerifiesTheSignatureOfTheRawBody() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let secret = "s3cr3t-hmac-key"
        let channel = WebhookChannel(name: "audit", url: receiver.url("/audit"), secret: secret, transport: Self.transport)
        let document = try Self.document(kind: .webhook, channel: "audit", caption: "plain")
        try await channel.send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        let signature = try #require(request.header("X-Postwatch-Signature"))
        #expect(WebhookSignature.verify(request.body, header: signature, secret: secret))
        #expect(!WebhookSignature.verify(request.body + Data(" ".utf8), header: signature, secret: secret))
        #expect(request.header("Idempotency-Key") == document.idempotencyKey)
        // The full post, nulls included, as the API gave it.
        #expect(request.text.contains(#""postedAt":null"#))
        let received = try NotificationDocument.decode(request.body)
        #expect(received.events.first?.post == document.events.first?.post)
        #expect(received.rule == "Failed" && received.severity == .critical)
    }

    @Test func noSignatureWithoutASecret() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let channel = WebhookChannel(name: "audit", url: receiver.url("/audit"), secret: nil, transport: Self.transport)
        try await channel.send(try Self.document(kind: .webhook, channel: "audit"))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.header("X-Postwatch-Signature") == nil)
    }

    @Test func retryAfterIsHonouredThenDelivered() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "7"))
        receiver.enqueue(.serverError())
        let outbox = MemoryOutbox()
        let document = try Self.document(kind: .slack)
        let id = await outbox.add(OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "ops", rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let channel = ChatChannel(name: "ops", kind: .slack, url: receiver.url("/hook"), transport: Self.transport)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: clock, random: { 0 })

        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(7))
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)

        clock.advance(7)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 500") == true)

        clock.advance(60)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        #expect(receiver.requests.count == 3)
    }

    /// Issue 12: the receiver's words are redacted against every secret of the process before
    /// they reach the outbox, and before the 120-character cut (a token cut in half stays hidden).
    @Test func aReceiversErrorTextIsRedactedBeforeItIsCutOrStored() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let token = "T0KEN\(UInt32.random(in: 100_000...999_999))XYZ"
        let apiKey = "api-key-\(UUID().uuidString)"
        // Framework-style 404 quoting the path, then (padding to put it across the cut) the key.
        receiver.setHandler { request in
            .status(404, "Cannot POST \(request.path) " + String(repeating: "-", count: 40) + " seen with key \(apiKey)")
        }
        let outbox = MemoryOutbox()
        let document = try Self.document(kind: .slack)
        let id = await outbox.add(OutboxDraft(idempotencyKey: "k", channel: "ops", rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        let channel = ChatChannel(
            name: "ops", kind: .slack, url: receiver.url("/services/T0/B0/\(token)"), transport: Self.transport,
            redactor: Redactor(secrets: [apiKey]))
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Fixtures.t0))
        #expect(await delivery.deliverDue(now: Fixtures.t0).failed == 1)
        let entry = try #require(await outbox.entry(id))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 404: Cannot POST /services/T0/B0/[redacted] ---"), "\(error)")
        #expect(!error.contains(token) && !error.contains(String(token.prefix(8))), "\(error)")
        #expect(!error.contains(String(apiKey.prefix(12))), "\(error)")
    }

    @Test func aClientErrorIsPermanent() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(404, "channel_not_found"))
        let outbox = MemoryOutbox()
        let document = try Self.document(kind: .slack)
        let id = await outbox.add(OutboxDraft(idempotencyKey: "k", channel: "ops", rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        let channel = ChatChannel(name: "ops", kind: .slack, url: receiver.url("/hook"), transport: Self.transport)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Fixtures.t0))
        #expect(await delivery.deliverDue(now: Fixtures.t0).failed == 1)
        #expect(try #require(await outbox.entry(id)).lastError == "HTTP 404: channel_not_found")
    }

    @Test func noSecretInAnyLogLine() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.serverError())
        let secretPath = "/services/T0SECRET/B0SECRET/XXXXSECRETXXXX"
        let hmac = "hmac-SECRET-value"
        let logs = CapturedLogs()
        let outbox = MemoryOutbox()
        for (channel, kind) in [("ops", ChannelKind.slack), ("audit", .webhook), ("down", .mattermost)] {
            let document = try Self.document(kind: kind, channel: channel)
            await outbox.add(OutboxDraft(idempotencyKey: document.idempotencyKey, channel: channel, rule: "Failed", payload: try document.encoded()), at: Fixtures.t0)
        }
        let channels: [any Channel] = [
            ChatChannel(name: "ops", kind: .slack, url: receiver.url(secretPath), transport: Self.transport),
            WebhookChannel(name: "audit", url: receiver.url(secretPath + "/audit"), secret: hmac, transport: Self.transport),
            // Nothing listens there: a transport error.
            ChatChannel(name: "down", kind: .mattermost, url: "http://127.0.0.1:1" + secretPath, transport: Self.transport),
        ]
        let delivery = Delivery(outbox: outbox, channels: channels, clock: ManualClock(Fixtures.t0), logger: logs.logger())
        let report = await delivery.deliverDue(now: Fixtures.t0)
        #expect(report.retrying == 3)
        #expect(logs.all.count >= 3)
        for line in logs.all {
            #expect(!line.contains("SECRET"), "\(line)")
        }
        #expect(logs.all.contains { $0.contains("channel.destination=http://127.0.0.1:\(receiver.port)/…") })
        for entry in try await outbox.entries(in: nil, limit: 10) {
            #expect(entry.lastError?.contains("SECRET") == false)
        }
    }

    @Test func throttledEventsArriveLater() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let rule = Fixtures.rule("Failed", when: "failed", channels: ["ops"], throttle: .seconds(600))
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack])
        let outbox = MemoryOutbox()
        var throttle: [ThrottleKey: ThrottleState] = [:]
        func cycle(_ events: [Event], at now: Date) async throws {
            let routing = router.route(events, at: now, throttle: throttle)
            for draft in routing.notifications { await outbox.add(draft, at: now) }
            for (key, state) in routing.throttle { throttle[key] = state }
        }
        let t0 = Fixtures.t0
        try await cycle([Fixtures.event("p1")], at: t0)
        try await cycle([Fixtures.event("p2", detectedAt: t0.addingTimeInterval(60))], at: t0.addingTimeInterval(60))
        try await cycle([], at: t0.addingTimeInterval(300))
        try await cycle([], at: t0.addingTimeInterval(601))
        // The text layout, whose footer says what the throttle held (Block Kit's context says it
        // too: `SlackBlockKitTests.goldenThreePostsWithHeldEvents`).
        let channel = ChatChannel(name: "ops", kind: .slack, url: receiver.url("/hook"), transport: Self.transport, layout: .text)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(t0.addingTimeInterval(601)))
        #expect(await delivery.deliverDue(now: t0.addingTimeInterval(601)).delivered == 2)
        let texts = try receiver.requests.map(Self.text(of:))
        #expect(texts.count == 2)
        #expect(texts[0].contains("p1") && !texts[0].contains("p2"))
        #expect(texts[1].contains("p2") && texts[1].contains("Includes 1 event(s) held back by the rule's throttle since 2024-04-22 16:01 UTC"))
    }
}
