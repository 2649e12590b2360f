import Curl
import Foundation
import Redaction
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// The Teams Workflows channel against a real HTTP receiver: the exact Adaptive Card bodies
/// (golden files), the size limit over documents of 1 to 300 hostile posts, URL validation,
/// redaction of `sig`, and how each kind of answer is handled.
@Suite struct TeamsChannelTests {
    static let transport = CurlTransport()
    static let sig = "Zk3vR9sT0kLmN4pZ7yB2cD5fG8hJ1wE6uAiOaSdFgHj"
    static let path = "/workflows/0f1e2d3c4b5a69788796a5b4c3d2e1f0/triggers/manual/paths/invoke"
    static let query = "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=\(sig)"

    static func channel(_ receiver: HTTPReceiver, timeout: Duration = .seconds(30)) throws -> TeamsChannel {
        try TeamsChannel(name: "team", url: receiver.url("\(path)?\(query)"), transport: transport, timeout: timeout)
    }

    static func cards(_ document: NotificationDocument) throws -> [[String: Any]] {
        try TeamsCards(document).bodies().map(ChannelDocuments.json)
    }

    /// The card's `body` of a message.
    static func body(_ message: [String: Any]) throws -> [[String: Any]] {
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        let card = try #require(attachment["content"] as? [String: Any])
        return try #require(card["body"] as? [[String: Any]])
    }

    // MARK: - URLs

    @Test func workflowsURLsInBothFormsAreTakenAndTheirSigIsACredential() throws {
        let logic = "https://prod-12.westus.logic.azure.com:443\(Self.path)?\(Self.query)"
        let platform = "https://default0f1e2d3c4b5a.69.environment.api.powerplatform.com:443/powerautomate/automations/direct\(Self.path)?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=\(Self.sig)"
        let platformWithoutSig = "https://default0f1e2d3c4b5a.69.environment.api.powerplatform.com/powerautomate/automations/direct\(Self.path)?api-version=1"
        for url in [logic, platform, platformWithoutSig] {
            #expect(TeamsURL.problem(with: url) == nil, "\(url)")
        }
        #expect(ChannelKind.teams.credentials(inURL: logic) == [Self.sig])
        let redactor = Redactor(secrets: ChannelKind.teams.credentials(inURL: logic), urls: [logic])
        let redacted = redactor.redact("POST \(logic) failed; sig was \(Self.sig)")
        #expect(!redacted.contains(Self.sig) && !redacted.contains("0f1e2d3c4b5a69788796a5b4c3d2e1f0"), "\(redacted)")
    }

    @Test func aWrongURLIsRefusedWithoutQuotingItsPath() throws {
        let cases: [(String, String)] = [
            ("http://prod-1.westus.logic.azure.com\(Self.path)?sig=\(Self.sig)", "must use https"),
            ("https://example.com\(Self.path)?sig=\(Self.sig)", "not on a Workflows host"),
            ("https://prod-1.westus.logic.azure.com\(Self.path)?api-version=1", "no 'sig'"),
            ("https://prod-1.westus.logic.azure.com/other/path?sig=\(Self.sig)", "not a Workflows trigger URL"),
            ("https://contoso.webhook.office.com/webhookb2/\(Self.sig)/IncomingWebhook/x/y", "Office 365 connector"),
            // A name starting with "127." is not a loopback address: no http, no other host.
            ("http://127.attacker.example\(Self.path)?sig=\(Self.sig)", "must use https"),
            ("https://127.0.0.1.attacker.example\(Self.path)?sig=\(Self.sig)", "not on a Workflows host"),
        ]
        for (url, expected) in cases {
            let problem = try #require(TeamsURL.problem(with: url), "\(url)")
            #expect(problem.contains(expected), "\(problem)")
            #expect(!problem.contains(Self.sig) && !problem.contains("0f1e2d3c"), "\(problem)")
            #expect(throws: NotifyError.self) { try TeamsChannel(name: "t", url: url, transport: Self.transport) }
        }
    }

    // MARK: - Golden bodies

    @Test func goldenOnePost() throws {
        let bodies = TeamsCards(ChannelDocuments.document(.teams)).bodies()
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "teams", name: "card-1-post.json")
    }

    @Test func goldenThreePostsWithHeldEvents() throws {
        let document = ChannelDocuments.document(
            .teams, captions: ["First <b>caption</b>", "Second **bold** [x](https://evil.example)", "- a list? 1. no"],
            severity: .warning, suppressed: ChannelDocuments.held)
        let bodies = TeamsCards(document).bodies()
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "teams", name: "card-3-posts-held.json")
    }

    @Test func goldenLongCaption() throws {
        let caption = String(repeating: "A long caption with *stars* & <angles> @here. ", count: 120)
        let bodies = TeamsCards(ChannelDocuments.document(.teams, captions: [caption], severity: .info)).bodies()
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "teams", name: "card-long-caption.json")
    }

    /// Enough long-captioned posts for two cards.
    @Test func goldenSplit() throws {
        let captions = (1...14).map { "caption \($0) " + String(repeating: "lorem ipsum dolor sit amet ", count: 60) }
        let bodies = TeamsCards(ChannelDocuments.document(.teams, captions: captions, suppressed: ChannelDocuments.held)).bodies()
        #expect(bodies.count == 2)
        try GoldenFile.check(ChannelDocuments.array(bodies), kind: "teams", name: "split-14-posts.json")
    }

    // MARK: - Limits

    /// Every message under Teams' 28 KB, every post in one container, in order, numbered when split.
    @Test(arguments: DiscordChannelTests.postCounts)
    func everyMessageIsWithinTeamsLimit(posts: Int) throws {
        let document = ChannelDocuments.hostile(.teams, count: posts)
        let bodies = TeamsCards(document).bodies()
        var headings: [String] = []
        for (index, data) in bodies.enumerated() {
            #expect(data.count <= 28_000, "message \(index + 1) is \(data.count) bytes")
            let message = try ChannelDocuments.json(data)
            #expect(message["type"] as? String == "message")
            let body = try Self.body(message)
            let title = try #require(body.first?["text"] as? String)
            if bodies.count > 1 { #expect(title.hasSuffix("(\(index + 1)/\(bodies.count))"), "\(title)") }
            for container in body where container["type"] as? String == "Container" {
                let items = try #require(container["items"] as? [[String: Any]])
                headings.append(try #require(items.first?["text"] as? String))
            }
        }
        #expect(headings.count == posts, "every post, none cut")
        #expect(headings.map { $0.components(separatedBy: "post ").last ?? "" } == (1...posts).map { "p\($0)" })
    }

    // MARK: - Against a receiver

    @Test func aCardIsPostedToTheURLAsGivenAnd202IsSuccess() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(202, ""))
        try await Self.channel(receiver).send(ChannelDocuments.document(.teams))
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.target == "\(Self.path)?\(Self.query)")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        let message = try ChannelDocuments.json(request.body)
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment["contentUrl"] is NSNull)
        let body = try Self.body(message)
        #expect(body.first?["color"] as? String == "Attention")
    }

    @Test func a429IsRetriedAfterItsWaitThenA5xxThenDelivered() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "9", body: #"{"error":{"code":"WorkflowTriggerIsThrottled"}}"#))
        receiver.enqueue(.status(503, "busy"))
        receiver.setDefault(.status(202, ""))
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(9))
        clock.advance(9)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 503") == true)
        clock.advance(600)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        #expect(receiver.requests.count == 3)
    }

    @Test func aClientErrorIsPermanentAndTheSigNeverShows() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setHandler { request in
            .json(#"{"error":{"code":"DirectApiAuthorizationRequired","message":"bad signature for \#(request.target)"}}"#, status: 401)
        }
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).failed == 1)
        let error = try #require(await outbox.entry(id)?.lastError)
        #expect(error.hasPrefix("HTTP 401"), "\(error)")
        #expect(!error.contains(Self.sig), "\(error)")
    }

    @Test func aTimeoutIsRetried() async throws {
        try await ChannelDocuments.expectATimeoutIsRetried(secret: Self.sig, document: ChannelDocuments.document(.teams)) {
            try Self.channel($0, timeout: $1)
        }
    }

    static func delivery(_ receiver: HTTPReceiver) async throws -> (Delivery, MemoryOutbox, Int64, ManualClock) {
        let outbox = MemoryOutbox()
        let document = ChannelDocuments.document(.teams)
        let id = await outbox.add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "team", rule: "Failed", payload: try document.encoded()),
            at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver)], clock: clock, random: { 0 })
        return (delivery, outbox, id, clock)
    }
}
