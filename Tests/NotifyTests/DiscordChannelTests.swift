import Curl
import Foundation
import Redaction
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// The native Discord webhook against a real HTTP receiver: the exact bodies (golden files),
/// Discord's limits over documents of 1 to 300 hostile posts, both forms of a 429, and a 404
/// that marks the channel's pending notifications dead.
@Suite struct DiscordChannelTests {
    static let transport = CurlTransport()
    static let token = "Xq3vR9sT0kLmN4pZ7yB2cD5fG8hJ1wE6uA-iO_aSdFgHjKlZxCv"

    static func url(_ receiver: HTTPReceiver, suffix: String = "") -> String {
        receiver.url("/api/webhooks/1234567890/\(token)\(suffix)")
    }

    static func channel(_ receiver: HTTPReceiver, suffix: String = "", timeout: Duration = .seconds(30)) -> DiscordChannel {
        DiscordChannel(name: "ops", url: url(receiver, suffix: suffix), transport: transport, timeout: timeout)
    }

    static func bodies(_ document: NotificationDocument) throws -> [[String: Any]] {
        try DiscordMessages(document).bodies().map(ChannelDocuments.json)
    }

    // MARK: - The endpoint

    @Test func theEndpointDropsSlackAndWaits() {
        let base = "https://discord.com/api/webhooks/1/abc"
        #expect(DiscordChannel.endpoint(base) == base + "?wait=true")
        #expect(DiscordChannel.endpoint(base + "/") == base + "?wait=true")
        #expect(DiscordChannel.endpoint(base + "/slack") == base + "?wait=true")
        #expect(DiscordChannel.endpoint(base + "/slack/?wait=false") == base + "?wait=true")
        #expect(DiscordChannel.endpoint(base + "?thread_id=42") == base + "?thread_id=42&wait=true")
        #expect(DiscordChannel.endpoint(base + "/slack?thread_id=42&wait=true") == base + "?thread_id=42&wait=true")
    }

    // MARK: - Golden bodies

    @Test func goldenOnePost() throws {
        let bodies = DiscordMessages(ChannelDocuments.document(.discord)).bodies()
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "discord", name: "embeds-1-post.json")
    }

    @Test func goldenThreePostsWithHeldEvents() throws {
        let document = ChannelDocuments.document(
            .discord, captions: ["First <b>caption</b>", "Second @everyone", "Third *one*"], severity: .warning,
            suppressed: ChannelDocuments.held)
        let bodies = DiscordMessages(document).bodies()
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "discord", name: "embeds-3-posts-held.json")
    }

    @Test func goldenLongCaption() throws {
        let caption = String(repeating: "A long caption with *stars* & <angles> @here. ", count: 120)
        let bodies = DiscordMessages(ChannelDocuments.document(.discord, captions: [caption], severity: .info)).bodies()
        #expect(bodies.count == 1)
        let description = try #require(((try Self.bodies(ChannelDocuments.document(.discord, captions: [caption])))[0]["embeds"] as? [[String: Any]])?.first?["description"] as? String)
        #expect(description.utf16.count <= DiscordMessages.descriptionLimit)
        #expect(description.hasSuffix("…"))
        try GoldenFile.check(bodies[0], kind: "discord", name: "embeds-long-caption.json")
    }

    /// 12 posts: two messages, 10 embeds and 2, numbered.
    @Test func goldenSplit() throws {
        let document = ChannelDocuments.document(.discord, captions: (1...12).map { "caption \($0)" }, suppressed: ChannelDocuments.held)
        let bodies = DiscordMessages(document).bodies()
        #expect(bodies.count == 2)
        try GoldenFile.check(ChannelDocuments.array(bodies), kind: "discord", name: "split-12-posts.json")
    }

    // MARK: - Limits

    static let postCounts = Array(1...12) + [19, 20, 21, 37, 49, 50, 51, 99, 100, 101, 150, 199, 250, 299, 300]

    /// Discord's every limit, over documents of 1 to 300 hostile posts: every post in one embed,
    /// in order, none left out; every message numbered when there are several.
    @Test(arguments: postCounts)
    func everyMessageIsWithinDiscordsLimits(posts: Int) throws {
        let document = ChannelDocuments.hostile(.discord, count: posts)
        let messages = DiscordMessages(document).messages()
        var titles: [String] = []
        for (index, message) in messages.enumerated() {
            #expect(message.content.utf16.count <= DiscordMessages.contentLimit)
            #expect(!message.content.isEmpty)
            if messages.count > 1 { #expect(message.content.contains("(\(index + 1)/\(messages.count))"), "\(message.content)") }
            #expect((1...DiscordMessages.embedsPerMessage).contains(message.embeds.count))
            #expect(message.embeds.reduce(0) { $0 + $1.size } <= DiscordMessages.charactersPerMessage)
            #expect(message.json["allowed_mentions"] == ["parse": []])
            for embed in message.embeds {
                #expect(embed.title.utf16.count <= DiscordMessages.titleLimit)
                #expect((embed.description?.utf16.count ?? 0) <= DiscordMessages.descriptionLimit)
                #expect(embed.fields.count <= 25)
                for field in embed.fields {
                    #expect(!field.name.isEmpty && field.name.utf16.count <= DiscordMessages.fieldNameLimit)
                    #expect(!field.value.isEmpty && field.value.utf16.count <= DiscordMessages.fieldValueLimit)
                }
                #expect((embed.footer?.text.utf16.count ?? 0) <= DiscordMessages.footerLimit)
                titles.append(embed.title)
            }
        }
        #expect(titles.count == posts, "every post, none cut")
        #expect(titles.map { $0.components(separatedBy: "post ").last ?? "" } == (1...posts).map { "p\($0)" })
        // What is sent decodes and says the same.
        let bodies = try DiscordMessages(document).bodies().map(ChannelDocuments.json)
        #expect(bodies.count == messages.count)
        for body in bodies { #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == []) }
    }

    // MARK: - Against a receiver

    @Test func aMessageIsPostedToTheWebhookWithWaitTrue() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.json(#"{"id":"1","type":0}"#))
        try await Self.channel(receiver, suffix: "/slack?thread_id=77").send(ChannelDocuments.document(.discord))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.target == "/api/webhooks/1234567890/\(Self.token)?thread_id=77&wait=true")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        let body = try ChannelDocuments.json(request.body)
        #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
        let embed = try #require((body["embeds"] as? [[String: Any]])?.first)
        #expect(embed["color"] as? Int == 0xED4245)
        #expect(embed["url"] as? String == "https://storage.googleapis.com/b/p1.mp4")
        #expect(embed["timestamp"] as? String == "2024-04-22T16:01:00Z")
    }

    /// A split notification goes as several requests, in order.
    @Test func aSplitNotificationIsSeveralRequestsInOrder() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        try await Self.channel(receiver).send(ChannelDocuments.document(.discord, captions: (1...25).map { "c\($0)" }))
        let requests = try await receiver.waitForRequests(count: 3)
        let contents = try requests.map { try #require(try ChannelDocuments.json($0.body)["content"] as? String) }
        #expect(contents.map { String($0.suffix(5)) } == ["(1/3)", "(2/3)", "(3/3)"])
    }

    /// A 429 on a later message of a split notification fails the attempt with Discord's
    /// `retry_after`; the retry resumes at that message: none is sent twice.
    @Test func a429OnALaterMessageIsRetriedFromThatMessageAndNothingIsSentTwice() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.json(#"{"id":"1"}"#))
        receiver.enqueue(.json(#"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#, status: 429))
        receiver.setDefault(.json(#"{"id":"2"}"#))
        let (delivery, outbox, ids, clock, _) = try await Self.delivery(receiver, captions: (1...25).map { "c\($0)" })
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        let entry = try #require(await outbox.entry(ids[0]))
        #expect(entry.nextAttemptAt == clock.now.addingTimeInterval(2.5))
        clock.advance(3)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        let contents = try receiver.requests.map { try #require(try ChannelDocuments.json($0.body)["content"] as? String) }
        #expect(contents.map { String($0.suffix(5)) } == ["(1/3)", "(2/3)", "(2/3)", "(3/3)"])
    }

    /// 429 in its header form (`Retry-After`, whole seconds) and Discord's body form
    /// (`retry_after`, float seconds): the longer is honoured; then a 5xx is retried.
    @Test func bothFormsOfA429AreHonoured() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "7", body: #"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#))
        receiver.enqueue(.json(#"{"message":"You are being rate limited.","retry_after":1.25,"global":false}"#, status: 429))
        receiver.enqueue(.status(502, "Bad Gateway"))
        let (delivery, outbox, ids, clock, _) = try await Self.delivery(receiver)
        let id = ids[0]
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(7), "the header's 7 s, longer than the body's 2.5")
        clock.advance(7)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == clock.now.addingTimeInterval(1.25), "the body's retry_after, without a header")
        clock.advance(2)
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
        receiver.setHandler { request in
            .json(#"{"message":"Invalid Form Body at \#(request.path)","code":50035}"#, status: 400)
        }
        let (delivery, outbox, ids, clock, _) = try await Self.delivery(receiver, count: 2)
        #expect(await delivery.deliverDue(now: clock.now).failed == 2, "each notification fails on its own")
        let entry = try #require(await outbox.entry(ids[0]))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 400"), "\(error)")
        #expect(!error.contains(Self.token), "\(error)")
    }

    /// A deleted webhook answers 404 (`Unknown Webhook`): the channel's pending notifications
    /// are all dead at once, after one request, another channel's are not touched, and one
    /// error line says the webhook is gone without its URL.
    @Test func aGoneWebhookMarksTheChannelsPendingNotificationsDead() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.json(#"{"message": "Unknown Webhook", "code": 10015}"#, status: 404))
        let (delivery, outbox, ids, clock, logs) = try await Self.delivery(receiver, count: 3, otherChannel: true)
        let report = await delivery.deliverDue(now: clock.now)
        #expect(report.failed == 3)
        #expect(receiver.requests.count == 1, "one request, not one per notification")
        for id in ids {
            let entry = try #require(await outbox.entry(id))
            #expect(entry.state == .dead)
            #expect(entry.lastError?.contains("HTTP 404") == true, "\(entry.lastError ?? "")")
            #expect(entry.lastError?.contains(Self.token) == false)
        }
        let other = try #require(await outbox.rows.values.first { $0.draft.channel == "other" })
        #expect(other.state == .pending, "another channel's notification is untouched")
        let gone = logs.all.filter { $0.hasPrefix("error") }
        #expect(gone.count == 1, "\(logs.all)")
        #expect(gone.first?.contains("webhook is gone") == true, "\(gone)")
        for line in logs.all { #expect(!line.contains(Self.token), "\(line)") }
    }

    @Test func aTimeoutIsRetried() async throws {
        try await ChannelDocuments.expectATimeoutIsRetried(secret: Self.token, document: ChannelDocuments.document(.discord)) {
            Self.channel($0, timeout: $1)
        }
    }

    /// `count` notifications for the Discord channel `ops` (and one for `other`, a channel that
    /// is not declared, when asked), a delivery with a manual clock and captured logs.
    static func delivery(
        _ receiver: HTTPReceiver, count: Int = 1, otherChannel: Bool = false, captions: [String]? = nil
    ) async throws -> (Delivery, MemoryOutbox, [Int64], ManualClock, CapturedLogs) {
        let outbox = MemoryOutbox()
        var ids: [Int64] = []
        for n in 0..<count {
            var document = captions.map { ChannelDocuments.document(.discord, captions: $0) } ?? ChannelDocuments.document(.discord)
            document.idempotencyKey = "k\(n)"
            ids.append(await outbox.add(
                OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "ops", rule: "Failed", payload: try document.encoded()),
                at: Fixtures.t0))
        }
        if otherChannel {
            let document = ChannelDocuments.document(.discord)
            await outbox.add(
                OutboxDraft(idempotencyKey: "other", channel: "other", rule: "Failed", payload: try document.encoded()),
                at: Fixtures.t0.addingTimeInterval(3_600))
        }
        let clock = ManualClock(Fixtures.t0)
        let logs = CapturedLogs()
        let delivery = Delivery(outbox: outbox, channels: [Self.channel(receiver)], clock: clock, logger: logs.logger(), random: { 0 })
        return (delivery, outbox, ids, clock, logs)
    }
}
