import Curl
import Foundation
import Redaction
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// The PagerDuty channel against a real HTTP receiver, through libcurl: the exact trigger and
/// resolve events (golden files), one event per post, stable `dedup_key`s, and every answer
/// the Events API gives.
@Suite struct PagerDutyChannelTests {
    static let transport = CurlTransport()
    static let routingKey = "R0UT1NGK3Y0123456789abcdefABCDEF"
    static let accepted = HTTPReceiver.Response.json(
        #"{"status":"success","message":"Event processed","dedup_key":"x"}"#, status: 202)

    static func routing(_ events: [Event], severity: Severity = .critical, openAlerts: Set<OpenAlert> = []) -> Routing {
        let rule = Fixtures.rule("Failed", severity: severity, when: "failed", channels: ["oncall"])
        return NotificationRouter(rules: [rule], channelKinds: ["oncall": .pagerduty])
            .route(events, at: Fixtures.t0, throttle: [:], openAlerts: openAlerts)
    }

    static func trigger(_ ids: [String] = ["p1"], severity: Severity = .critical) throws -> NotificationDocument {
        let events = ids.map { id -> Event in
            var event = Fixtures.event(id, caption: "Prices < $20 & shipping > fast")
            event.cycle = 7
            return event
        }
        return try NotificationDocument.decode(try #require(routing(events, severity: severity).notifications.first).payload)
    }

    static func resolve(_ id: String = "p1") throws -> NotificationDocument {
        var event = Fixtures.event(id, from: "failed", to: "posted")
        event.cycle = 8
        let routing = routing([event], openAlerts: [OpenAlert(rule: "Failed", postId: id, channel: "oncall")])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func channel(_ receiver: HTTPReceiver, timeout: Duration = .seconds(30)) throws -> PagerDutyChannel {
        try PagerDutyChannel(
            name: "oncall", routingKey: routingKey, endpoint: receiver.url("/v2/enqueue"), transport: transport, timeout: timeout)
    }

    static func json(_ request: HTTPReceiver.Request) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
    }

    @Test func theGoldenTriggerAndResolve() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(Self.accepted)
        let channel = try Self.channel(receiver)
        try await channel.send(try Self.trigger())
        try await channel.send(try Self.resolve())
        let requests = try await receiver.waitForRequests(count: 2)
        for request in requests {
            #expect(request.method == "POST" && request.path == "/v2/enqueue")
            #expect(request.header("Content-Type") == "application/json")
        }
        try GoldenFile.check(requests[0].body, kind: "pagerduty", name: "trigger.json")
        try GoldenFile.check(requests[1].body, kind: "pagerduty", name: "resolve.json")
        let trigger = try Self.json(requests[0])
        let resolve = try Self.json(requests[1])
        #expect(trigger["dedup_key"] as? String == resolve["dedup_key"] as? String, "a resolve finds its incident")
        #expect(resolve.keys.sorted() == ["dedup_key", "event_action", "routing_key"])
    }

    /// PagerDuty incidents are per post: a message of three posts is three events, in order.
    @Test func oneEventPerPost() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(Self.accepted)
        try await Self.channel(receiver).send(try Self.trigger(["p1", "p2", "p3"]))
        let bodies = try receiver.requests.map(Self.json)
        #expect(bodies.map { $0["dedup_key"] as? String } == ["p1", "p2", "p3"].map { PagerDutyEvent.dedupKey(rule: "Failed", postId: $0) })
        #expect(bodies.allSatisfy { $0["event_action"] as? String == "trigger" })
    }

    /// The routing key's limit (2 a second, 5 at once) counts events, not notifications: a
    /// notification of 9 posts sends 5 at once, then one every half second, on the delivery's
    /// clock; a second notification right after waits its turn behind them.
    @Test func theRateLimitCountsEventsNotNotifications() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(Self.accepted)
        let outbox = MemoryOutbox()
        _ = try await outbox.add(try Self.trigger((1...9).map { "p\($0)" }), at: Fixtures.t0)
        var second = try Self.trigger(["p10"])
        second.idempotencyKey = "second"
        _ = try await outbox.add(second, at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver)], clock: clock, random: { 0 })
        #expect(await delivery.deliverDue(now: clock.now).delivered == 2)
        #expect(receiver.requests.count == 10)
        #expect(clock.sleeps == Array(repeating: .milliseconds(500), count: 5), "\(clock.sleeps)")
    }

    @Test(arguments: [(Severity.critical, "critical"), (.warning, "warning"), (.info, "info")])
    func severityIsMapped(severity: Severity, expected: String) throws {
        let event = try #require(PagerDutyEvent.events(of: try Self.trigger(severity: severity)).first)
        let body = try #require(try JSONSerialization.jsonObject(with: event.body(routingKey: "k")) as? [String: Any])
        #expect((body["payload"] as? [String: Any])?["severity"] as? String == expected)
    }

    @Test func dedupKeysAreStableAndWithinPagerDutysLimit() {
        let key = PagerDutyEvent.dedupKey(rule: "Failed", postId: "post_abc123")
        #expect(key == PagerDutyEvent.dedupKey(rule: "Failed", postId: "post_abc123"))
        #expect(key.hasPrefix("postwatch/") && key.hasSuffix("/post_abc123") && key != PagerDutyEvent.dedupKey(rule: "Other", postId: "post_abc123"))
        let long = PagerDutyEvent.dedupKey(rule: String(repeating: "r", count: 5_000), postId: String(repeating: "p", count: 400))
        #expect(long.utf8.count <= 255)
    }

    @Test func theSummaryIsCutAt1024WithAnEllipsis() {
        let cut = PagerDutyEvent.cut(String(repeating: "é", count: 2_000), to: 1_024)
        #expect(cut.count == 1_024 && cut.hasSuffix("…"))
        #expect(PagerDutyEvent.cut("short", to: 1_024) == "short")
    }

    /// Only http(s) URLs become links: a `javascript:` thumbnail is data, never a link.
    @Test func linksAreHTTPOnly() throws {
        var document = try Self.trigger()
        document.events[0].post.thumbnailUrl = "javascript:alert(1)"
        let event = try #require(PagerDutyEvent.events(of: document).first)
        #expect(event.links.map(\.text) == ["content"])
    }

    /// 429 with `Retry-After`: its wait; 429 without: the delivery's backoff; 5xx retried;
    /// a retry sends the same `dedup_key`s again (PagerDuty deduplicates).
    @Test func rateLimitsAndServerErrorsAreRetriedWithTheSameDedupKeys() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "7", body: #"{"status":"throttle event","message":"Requests for this service are arriving too quickly."}"#))
        receiver.enqueue(.json(#"{"status":"throttle event"}"#, status: 429))
        receiver.enqueue(.status(503, "Service Unavailable"))
        receiver.setDefault(Self.accepted)
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Fixtures.t0.addingTimeInterval(7), "Retry-After honoured")
        clock.advance(7)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 429") == true)
        clock.advance(3_600)
        #expect(await delivery.deliverDue(now: clock.now).retrying == 1)
        entry = try #require(await outbox.entry(id))
        #expect(entry.lastError?.hasPrefix("HTTP 503") == true)
        clock.advance(3_600)
        #expect(await delivery.deliverDue(now: clock.now).delivered == 1)
        let keys = try receiver.requests.map { try Self.json($0)["dedup_key"] as? String }
        #expect(keys.count == 4 && Set(keys).count == 1, "\(keys)")
    }

    /// 400 is an invalid event: permanent, PagerDuty's words kept, the routing key never.
    @Test func aBadRequestIsPermanentAndTheKeyNeverShows() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setHandler { request in
            .json(#"{"status":"invalid event","message":"Event object is invalid","errors":["routing_key \#(Self.routingKey) is not valid"]}"#, status: 400)
        }
        let (delivery, outbox, id, clock) = try await Self.delivery(receiver)
        #expect(await delivery.deliverDue(now: clock.now).failed == 1)
        let entry = try #require(await outbox.entry(id))
        let error = try #require(entry.lastError)
        #expect(error.hasPrefix("HTTP 400") && error.contains("invalid event"), "\(error)")
        #expect(!error.contains(Self.routingKey), "\(error)")
    }

    /// A permanent refusal of one post's event does not keep the others from being sent.
    @Test func oneRefusedEventDoesNotStopTheOthers() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.json(#"{"status":"invalid event"}"#, status: 400))
        receiver.setDefault(Self.accepted)
        let (channel, document) = (try Self.channel(receiver), try Self.trigger(["p1", "p2"]))
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("a refused event was not reported")
        } catch {
            #expect(error.isPermanent)
        }
        #expect(receiver.requests.count == 2)
    }

    @Test func aTimeoutIsRetried() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(30)))
        let (channel, document) = (try Self.channel(receiver, timeout: .milliseconds(300)), try Self.trigger())
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("a 30 s answer arrived within 300 ms")
        } catch {
            #expect(!error.isPermanent)
            #expect(!error.message.contains(Self.routingKey))
        }
    }

    @Test func theChannelIsBuiltFromItsDeclaration() throws {
        let set = try RuleSet.load(
            source: """
                channel oncall = pagerduty env:PD_KEY endpoint "https://events.eu.pagerduty.com/v2/enqueue"
                channel us = pagerduty env:PD_KEY
                rule "r" {
                  when failed
                  notify oncall, us
                }
                """, name: "pd.rules", environment: ["PD_KEY": Self.routingKey])
        let factory = ChannelFactory(transport: Self.transport, redactor: Redactor(), console: { _ in }, smtp: { _ throws(NotifyError) in
            throw NotifyError(code: .invalidConfiguration, message: "no smtp")
        })
        let (euDeclaration, usDeclaration) = (try #require(set.channels["oncall"]), try #require(set.channels["us"]))
        let eu = try #require(try factory.channel(for: euDeclaration) as? PagerDutyChannel)
        let us = try #require(try factory.channel(for: usDeclaration) as? PagerDutyChannel)
        #expect(eu.endpoint == "https://events.eu.pagerduty.com/v2/enqueue")
        #expect(us.endpoint == PagerDutyChannel.defaultEndpoint)
        #expect(eu.redactedDestination == "https://events.eu.pagerduty.com/…")
        #expect(eu.redactor.redact("key \(Self.routingKey)") == "key [redacted]")
        #expect(eu.rateLimit == PagerDutyChannel.rateLimit)
    }

    /// A resolve never overtakes its trigger: while the trigger waits for a retry, the resolve
    /// queued after it waits too, and PagerDuty sees trigger then resolve.
    @Test func aResolveWaitsForTheTriggerQueuedBeforeIt() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.status(503, "Service Unavailable"))
        receiver.setDefault(Self.accepted)
        let (delivery, outbox, triggerId, clock) = try await Self.delivery(receiver)
        let resolveId = try await outbox.add(try Self.resolve(), at: Fixtures.t0)
        let first = await delivery.deliverDue(now: clock.now)
        #expect(first.retrying == 2 && first.delivered == 0, "\(first)")
        let trigger = try #require(await outbox.entry(triggerId))
        let waiting = try #require(await outbox.entry(resolveId))
        #expect(waiting.nextAttemptAt >= trigger.nextAttemptAt)
        #expect(waiting.lastError?.contains("waits for notification \(triggerId)") == true, "\(waiting.lastError ?? "")")
        clock.advance(3_600)
        _ = await delivery.drain(until: clock.now.addingTimeInterval(60))
        let actions = try receiver.requests.map { try Self.json($0)["event_action"] as? String }
        #expect(actions == ["trigger", "trigger", "resolve"], "\(actions)")
    }

    static func delivery(_ receiver: HTTPReceiver) async throws -> (Delivery, MemoryOutbox, Int64, ManualClock) {
        let outbox = MemoryOutbox()
        let id = try await outbox.add(try Self.trigger(), at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(outbox: outbox, channels: [try Self.channel(receiver)], clock: clock, random: { 0 })
        return (delivery, outbox, id, clock)
    }
}
