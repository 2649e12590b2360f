import Foundation
import Curl
import Testing
import TestSupport
import Rules
import Watch

@testable import Notify

/// Routing into the real SQLite outbox and delivering from it.
@Suite struct StoreDeliveryTests {
    @Test func routedNotificationsAreDeliveredFromTheSQLiteOutbox() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)

        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: ["ops", "audit"], groupBy: ["accountId"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack, "audit": .webhook])
        let now = Fixtures.t0
        let routing = router.route([Fixtures.event("p1", account: "a"), Fixtures.event("p2", account: "b")], at: now, throttle: [:])
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = routing.notifications
        _ = try await store.commit(commit)
        // A crash before the commit and the same cycle run again: the same keys, nothing doubled.
        var again = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        again.notifications = router.route([Fixtures.event("p2", account: "b"), Fixtures.event("p1", account: "a")], at: now, throttle: [:]).notifications
        #expect(Set(again.notifications.map(\.idempotencyKey)) == Set(routing.notifications.map(\.idempotencyKey)))

        let ops = ScriptedChannel(name: "ops", kind: .slack, script: [DeliveryFailure(message: "HTTP 500")])
        let audit = ScriptedChannel(name: "audit", kind: .webhook)
        let clock = ManualClock(now)
        let delivery = Delivery(outbox: store, channels: [ops, audit], clock: clock, random: { 0 })
        let report = await delivery.deliverDue(now: now)
        #expect(report.delivered == 3 && report.retrying == 1)
        #expect(try await store.depth()[.pending] == 1)

        let drained = await delivery.drain(until: now.addingTimeInterval(10))
        #expect(drained.delivered == 1)
        #expect(try await store.depth()[.delivered] == 4)
        #expect(Set(ops.sent.map(\.groupKey)) == ["accountId=a", "accountId=b"])
        #expect(audit.sent.allSatisfy { $0.message.format == .plain })
    }

    /// A deleted Discord webhook (404), from the real SQLite outbox: one request, then every
    /// pending notification of the channel is dead, due or not, and the other channel's are not.
    @Test func aGoneDiscordWebhookKillsItsChannelsPendingRowsInTheStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.json(#"{"message": "Unknown Webhook", "code": 10015}"#, status: 404))

        let now = Fixtures.t0
        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: ["ops", "audit"], groupBy: ["postId"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .discord, "audit": .webhook])
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = router.route((1...4).map { Fixtures.event("p\($0)") }, at: now, throttle: [:]).notifications
        _ = try await store.commit(commit)

        let ops = DiscordChannel(name: "ops", url: receiver.url("/api/webhooks/1/tokenTOKENtoken1234"), transport: CurlTransport())
        let audit = ScriptedChannel(name: "audit", kind: .webhook, script: [DeliveryFailure(message: "HTTP 503")])
        let delivery = Delivery(outbox: store, channels: [ops, audit], clock: ManualClock(now), random: { 0 })
        let report = await delivery.deliverDue(now: now)
        #expect(report.failed == 4 && report.retrying == 1 && report.delivered == 3, "\(report)")
        #expect(receiver.requests.count == 1)
        let dead = try await store.entries(in: .dead, limit: 10)
        #expect(dead.count == 4 && dead.allSatisfy { $0.draft.channel == "ops" })
        #expect(dead.allSatisfy { $0.lastError?.contains("HTTP 404") == true })
        #expect(try await store.entries(in: .pending, limit: 10).map(\.draft.channel) == ["audit"])
    }

    /// Issue 11, defect 2: 560 due entries of one failing destination used to fill the outbox's
    /// due window (500, oldest first), so the mail queued after them was never tried before the
    /// deadline. Every channel now gets its share of every read.
    @Test func aBusyFailingDestinationDoesNotStarveAnother() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)
        let now = Fixtures.t0
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: ["hook"], groupBy: ["postId"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["hook": .webhook, "mail": .email])
        commit.notifications = router.route((0..<560).map { Fixtures.event("p\($0)") }, at: now, throttle: [:]).notifications
        let mailRule = Fixtures.rule("Mail", severity: .critical, when: "failed", channels: ["mail"])
        commit.notifications += NotificationRouter(rules: [mailRule], channelKinds: ["mail": .email])
            .route([Fixtures.event("p7")], at: now, throttle: [:]).notifications
        try await store.commit(commit)
        #expect(try await store.due(at: now, limitPerChannel: 500).filter { $0.draft.channel == "mail" }.count == 1)

        let busy = ScriptedChannel(
            name: "hook", kind: .webhook, rateLimit: RateLimit(perSecond: 1, burst: 1),
            script: Array(repeating: DeliveryFailure(message: "HTTP 503"), count: 560))
        let mail = ScriptedChannel(name: "mail", kind: .email)
        let clock = ManualClock(now)
        let delivery = Delivery(outbox: store, channels: [busy, mail], clock: clock, random: { 0 })
        let report = await delivery.drain(until: now.addingTimeInterval(20))
        #expect(mail.sent.count == 1)
        #expect(report.delivered == 1)
        #expect(report.retrying > 0 && report.retrying <= 21)
        #expect(try await store.depth()[.delivered] == 1)
    }

    /// `--delivery-timeout 150s` once took 206 s: a send started just before the deadline ran
    /// for its own transfer timeout. The deadline now bounds the sends in flight too: against
    /// a webhook that answers after 60 s, an 8 s drain ends in about 8 s, the entry still pending
    /// (retried later with the same key), its error saying the time ran out. Nothing delivered and
    /// a timeout as the error show the deadline cut the send (uncut, it would be delivered at
    /// 60 s); the time bound only catches a hang: a 2-core machine running the suite in parallel
    /// beside two builds took up to 16 s, its cooperative threads busy with other tests. The
    /// drain is 8 s, not 2 s, so that the send has started by then on such a machine too (with
    /// 2 s, it once had not, and nothing was in flight to cut).
    @Test func theDeadlineBoundsASendInFlight() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(60)))
        let now = Date()
        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: ["hook"])
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = NotificationRouter(rules: [rule], channelKinds: ["hook": .webhook])
            .route([Fixtures.event("p1")], at: now, throttle: [:]).notifications
        try await store.commit(commit)
        let channel = WebhookChannel(name: "hook", url: receiver.url("/hook"), secret: nil, transport: CurlTransport())
        let delivery = Delivery(outbox: store, channels: [channel])

        let started = ContinuousClock.now
        let report = await delivery.drain(until: Date().addingTimeInterval(8))
        let took = ContinuousClock.now - started
        // Below the webhook's own 30 s transfer timeout: a send the deadline did not cut would end
        // there, undelivered with a timeout too, and only this bound tells the two apart.
        #expect(took < .seconds(25), "the drain took \(took)")
        #expect(report.delivered == 0)
        #expect(try await receiver.waitForRequests(count: 1).count == 1, "the send had started")
        let entry = try #require(try await store.entries(in: nil, limit: 1).first)
        #expect(entry.state == .pending)
        #expect(entry.lastError?.contains("timeout") == true || entry.lastError?.contains("timed out") == true, "\(entry.lastError ?? "")")
    }
}
