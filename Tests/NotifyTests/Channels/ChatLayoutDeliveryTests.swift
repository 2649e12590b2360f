import Curl
import Foundation
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// Slack's Block Kit and Mattermost's attachments against a real HTTP receiver: one POST, a
/// split notification as several POSTs in order, 429 with `Retry-After`, 5xx retried, 4xx
/// permanent, and a retry that resumes after the messages already taken.
@Suite struct ChatLayoutDeliveryTests {
    static let transport = CurlTransport()

    static func channel(_ receiver: HTTPReceiver, kind: ChannelKind = .slack, layout: ChatLayout? = nil) -> ChatChannel {
        ChatChannel(name: "ops", kind: kind, url: receiver.url("/services/T0/B0/Hx7sK29dPq4LmN8vR3tY"), transport: transport, layout: layout)
    }

    static func header(_ request: HTTPReceiver.Request) throws -> String {
        let message = try ChatDocuments.json(request.body)
        let blocks = try #require((message["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
        return try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
    }

    @Test(arguments: [ChannelKind.slack, .mattermost])
    func oneNotificationIsOnePost(kind: ChannelKind) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let document = try ChatDocuments.document(kind: kind, captions: ["one", "two"])
        try await Self.channel(receiver, kind: kind).send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST" && request.path == "/services/T0/B0/Hx7sK29dPq4LmN8vR3tY")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(request.body == Self.channel(receiver, kind: kind).bodies(for: document).first)
        let message = try ChatDocuments.json(request.body)
        #expect((message["text"] as? String)?.contains("Failed: 2 posts failed") == true)
        #expect((message["attachments"] as? [[String: Any]])?.isEmpty == false)
    }

    /// `layout text` keeps today's `{"text": …}` payload, byte for byte.
    @Test(arguments: [ChannelKind.slack, .mattermost])
    func layoutTextSendsTheTextPayload(kind: ChannelKind) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let document = try ChatDocuments.document(kind: kind, captions: ["one"])
        try await Self.channel(receiver, kind: kind, layout: .text).send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.body == ChatChannel.body(document.message))
        #expect(try ChatDocuments.json(request.body).keys.sorted() == ["text"])
    }

    @Test func aDeclaredLayoutReachesTheChannel() throws {
        let factory = ChannelFactory(transport: Self.transport, redactor: .init(), console: { _ in }) { _ throws(NotifyError) in
            throw NotifyError(code: .invalidConfiguration, message: "no smtp")
        }
        let set = try RuleSet.load(source: """
            channel a = slack "https://hooks.example.com/a" layout text
            channel b = slack "https://hooks.example.com/b"
            channel c = mattermost "https://chat.example.com/hooks/c"
            channel d = discord "https://discord.com/api/webhooks/1/AbCdEfGhIjKlMnOpQrStUvWx"
            rule "r" {
              when failed
              notify a, b, c, d
            }
            """)
        let channels = try factory.channels(for: set)
        let layouts = try channels.prefix(3).map { try #require($0 as? ChatChannel).layout }
        #expect(layouts == [.text, .blocks, .attachments])
        // Discord has its native webhook and one layout (embeds), not a chat layout.
        #expect(channels.last is DiscordChannel)
    }

    @Test func aSplitNotificationArrivesAsSeveralPostsInOrder() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let document = try ChatDocuments.document(kind: .slack, captions: (1...60).map { "caption \($0)" })
        try await Self.channel(receiver).send(document)
        let requests = try await receiver.waitForRequests(count: 3)
        #expect(try requests.map(Self.header) == ["🚨 Failed: 60 posts failed (1/3)", "🚨 Failed: 60 posts failed (2/3)", "🚨 Failed: 60 posts failed (3/3)"])
        #expect(requests[0].text.contains("post p1 ·") && requests[2].text.contains("post p60 ·"))
    }

    /// Message 2 of 3 fails: the retry sends 2 and 3, not 1 again.
    @Test func aRetryResumesAtTheMessageThatFailed() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.status(200, "ok"))
        receiver.enqueue(.serverError())
        let channel = Self.channel(receiver)
        let document = try ChatDocuments.document(kind: .slack, captions: (1...60).map { "caption \($0)" })
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("a 500 was taken as success")
        } catch {
            #expect(!error.isPermanent && error.message.hasPrefix("HTTP 500"))
        }
        try await channel.send(document)
        let headers = try receiver.requests.map(Self.header).map { String($0.suffix(5)) }
        #expect(headers == ["(1/3)", "(2/3)", "(2/3)", "(3/3)"])
        // Complete: the same notification again (a re-run) would be sent whole.
        #expect(channel.progress.sent("\(document.idempotencyKey) 3") == 0)
    }

    /// A 429 on message 2 of 3: the `Retry-After` is honoured, then a 5xx on the same message
    /// is retried, then messages 2 and 3 go (`ChannelHTTPTests.retryAfterIsHonouredThenDelivered`
    /// covers a one-message notification, in the default layout too).
    @Test func a429ThenA5xxInASplitNotificationAreRetriedFromTheMessageThatFailed() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.status(200, "ok"))
        receiver.enqueue(.tooManyRequests(retryAfter: "7"))
        receiver.enqueue(.serverError())
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver, posts: 60)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(7))
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)
        clock.advance(7)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 500") == true)
        clock.advance(600)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        let headers = try receiver.requests.map(Self.header).map { String($0.suffix(5)) }
        #expect(headers == ["(1/3)", "(2/3)", "(2/3)", "(2/3)", "(3/3)"])
    }

    /// Slack's limit counts messages: a notification split into 3 at one a second (no burst)
    /// waits a second before its second and third message, on the delivery's clock.
    @Test func theMessagesOfASplitNotificationTakeATokenEach() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let outbox = MemoryOutbox()
        let document = try ChatDocuments.document(kind: .slack, captions: (1...60).map { "caption \($0)" })
        _ = await outbox.add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "ops", rule: "Failed", payload: try document.encoded()),
            at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let channel = ChatChannel(
            name: "ops", kind: .slack, url: receiver.url("/hook"), transport: Self.transport, rateLimit: RateLimit(perSecond: 1, burst: 1))
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: clock, random: { 0 })
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        #expect(receiver.requests.count == 3)
        #expect(clock.sleeps == [.seconds(1), .seconds(1)], "\(clock.sleeps)")
    }

    /// Slack answers a payload it refuses with 400 `invalid_blocks`: never retried, and the
    /// webhook's path (its credential) is not in the error.
    @Test func a400IsPermanent() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setHandler { request in .status(400, "invalid_blocks for \(request.path)") }
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).failed == 1)
        let entry = try #require(await outbox.entry(id))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 400: invalid_blocks"), "\(error)")
        #expect(!error.contains("Hx7sK29d"), "\(error)")
    }

    static func delivery(_ receiver: HTTPReceiver, posts: Int = 1) async throws -> (Delivery, MemoryOutbox, Int64, ManualClock) {
        let outbox = MemoryOutbox()
        let document = try ChatDocuments.document(kind: .slack, captions: (1...posts).map { "caption \($0)" })
        let id = await outbox.add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "ops", rule: "Failed", payload: try document.encoded()),
            at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [Self.channel(receiver)], clock: clock, random: { 0 })
        return (delivery, outbox, id, clock)
    }
}
