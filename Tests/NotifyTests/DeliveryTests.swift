import Foundation
import TestSupport
import Testing
import Rules
import Timekeeping
import Watch

@testable import Notify

@Suite struct DeliveryTests {
    static let t0 = Fixtures.t0

    /// Routed drafts for `count` failed posts, one message each (one rule per post).
    static func drafts(_ count: Int, channel: String = "ops", kind: ChannelKind = .slack) throws -> [OutboxDraft] {
        (0..<count).flatMap { index -> [OutboxDraft] in
            let rule = Fixtures.rule("r\(index)", when: "failed", channels: [channel])
            let router = NotificationRouter(rules: [rule], channelKinds: [channel: kind])
            let routing = router.route([Fixtures.event("p\(index)")], at: t0, throttle: [:])
            #expect(routing.notifications.count == 1)
            return routing.notifications
        }
    }

    @Test func deliversDueEntriesAndMarksThem() async throws {
        let outbox = MemoryOutbox()
        for draft in try Self.drafts(3) { await outbox.add(draft, at: Self.t0) }
        let channel = ScriptedChannel(name: "ops")
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0))
        let report = await delivery.deliverDue(now: Self.t0)
        #expect(report.delivered == 3)
        #expect(channel.sent.count == 3)
        #expect(try await outbox.depth()[.delivered] == 3)
    }

    @Test func transientFailuresAreRetriedWithBackoffAndRetryAfter() async throws {
        let outbox = MemoryOutbox()
        let id = await outbox.add(try Self.drafts(1)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", script: [
            DeliveryFailure(message: "HTTP 500"),
            DeliveryFailure(message: "HTTP 429", retryAfter: .seconds(120)),
        ])
        let clock = ManualClock(Self.t0)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: clock, random: { 1 })
        var report = await delivery.deliverDue(now: clock.now)
        #expect(report.retrying == 1)
        var entry = try #require(await outbox.entry(id))
        #expect(entry.attempts == 1 && entry.state == .pending && entry.lastError == "HTTP 500")
        #expect(entry.nextAttemptAt == Self.t0.addingTimeInterval(2))  // base 2 s, full jitter at its top

        clock.advance(2)
        report = await delivery.deliverDue(now: clock.now)
        entry = try #require(await outbox.entry(id))
        #expect(entry.nextAttemptAt == Self.t0.addingTimeInterval(122))  // Retry-After wins
        // Not due before then.
        clock.advance(60)
        #expect(await delivery.deliverDue(now: clock.now) == Delivery.Report())

        clock.advance(60)
        report = await delivery.deliverDue(now: clock.now)
        #expect(report.delivered == 1)
        #expect(try #require(await outbox.entry(id)).state == .delivered)
    }

    @Test func permanentFailuresAreDeadAtOnce() async throws {
        let outbox = MemoryOutbox()
        let id = await outbox.add(try Self.drafts(1)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", script: [DeliveryFailure(message: "HTTP 404: channel_not_found", isPermanent: true)])
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0))
        let report = await delivery.deliverDue(now: Self.t0)
        #expect(report.failed == 1)
        let entry = try #require(await outbox.entry(id))
        #expect(entry.state == .dead && entry.lastError == "HTTP 404: channel_not_found")
    }

    @Test func deadAfterADayKeepingTheLastError() async throws {
        let outbox = MemoryOutbox()
        let id = await outbox.add(try Self.drafts(1)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", script: Array(repeating: DeliveryFailure(message: "HTTP 503"), count: 100))
        let clock = ManualClock(Self.t0)
        let configuration = Delivery.Configuration(backoff: Backoff(base: .seconds(2), cap: .seconds(10_800)))
        let delivery = Delivery(outbox: outbox, channels: [channel], configuration: configuration, clock: clock, random: { 1 })
        var attempts = 0
        while try #require(await outbox.entry(id)).state == .pending, attempts < 100 {
            let entry = try #require(await outbox.entry(id))
            clock.advance(max(entry.nextAttemptAt.timeIntervalSince(clock.now), 0))
            _ = await delivery.deliverDue(now: clock.now)
            attempts += 1
        }
        let entry = try #require(await outbox.entry(id))
        #expect(entry.state == .dead)
        #expect(entry.lastError == "HTTP 503")
        #expect(clock.now == Self.t0.addingTimeInterval(86_400))
        #expect(attempts < 40)
    }

    @Test func theRateLimitSpacesSendsToOneDestination() async throws {
        let outbox = MemoryOutbox()
        for draft in try Self.drafts(6) { await outbox.add(draft, at: Self.t0) }
        let channel = ScriptedChannel(name: "ops", rateLimit: .slackCompatible)
        let clock = ManualClock(Self.t0)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: clock)
        let report = await delivery.deliverDue(now: Self.t0)
        #expect(report.delivered == 6)
        // Burst 3, then one per second.
        #expect(clock.now == Self.t0.addingTimeInterval(3))
    }

    @Test func aSlowDestinationDoesNotDelayAnother() async throws {
        let outbox = MemoryOutbox()
        for draft in try Self.drafts(2, channel: "slow") { await outbox.add(draft, at: Self.t0) }
        for draft in try Self.drafts(2, channel: "fast") { await outbox.add(draft, at: Self.t0) }
        // Held until the fast channel is done, not slow for a fixed 5 s: on a loaded machine the
        // fast sends once took longer than that, and the slow one looked as if it went first.
        let slow = ScriptedChannel(name: "slow", held: true)
        let fast = ScriptedChannel(name: "fast")
        let delivery = Delivery(outbox: outbox, channels: [slow, fast], clock: SystemClock())
        let task = Task { await delivery.deliverDue(now: Date()) }
        // Until a deadline, not a count of polls: on a loaded machine 2 s of polls were not enough.
        try await waitUntil("the fast channel's 2 sends", timeout: .seconds(120)) { fast.sent.count >= 2 }
        #expect(fast.sent.count == 2)
        #expect(slow.sent.count == 0)
        slow.release()
        #expect(await task.value.delivered == 4)
    }

    @Test func anUnknownChannelIsRetriedThenDead() async throws {
        let outbox = MemoryOutbox()
        let id = await outbox.add(try Self.drafts(1, channel: "gone")[0], at: Self.t0)
        let delivery = Delivery(outbox: outbox, channels: [], clock: ManualClock(Self.t0))
        #expect(await delivery.deliverDue(now: Self.t0).retrying == 1)
        #expect(try #require(await outbox.entry(id)).lastError?.contains("not declared") == true)
    }

    @Test func aChannelOfAnotherKindGetsTheMessageReRendered() async throws {
        let outbox = MemoryOutbox()
        await outbox.add(try Self.drafts(1, kind: .slack)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", kind: .discord)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0))
        _ = await delivery.deliverDue(now: Self.t0)
        #expect(channel.sent.first?.message.format == .discord)
    }

    @Test func drainWaitsForRetriesBeforeTheDeadline() async throws {
        let outbox = MemoryOutbox()
        await outbox.add(try Self.drafts(1)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", script: [DeliveryFailure(message: "HTTP 500"), DeliveryFailure(message: "HTTP 500")])
        let clock = ManualClock(Self.t0)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: clock, random: { 1 })
        let report = await delivery.drain(until: Self.t0.addingTimeInterval(30))
        #expect(report.delivered == 1 && report.retrying == 2)
    }

    @Test func runDeliversUntilCancelled() async throws {
        let outbox = MemoryOutbox()
        for draft in try Self.drafts(3) { await outbox.add(draft, at: Date()) }
        let channel = ScriptedChannel(name: "ops")
        let delivery = Delivery(
            outbox: outbox, channels: [channel], configuration: .init(pollInterval: .milliseconds(50)), clock: SystemClock())
        let task = Task { try await delivery.run() }
        try await waitUntil("3 sends", timeout: .seconds(120)) { channel.sent.count >= 3 }
        task.cancel()
        try await task.value
        #expect(channel.sent.count == 3)
    }
}
