import Foundation
import Rules
import Synchronization
import TestSupport
import Testing
import Timekeeping
import Watch

@testable import Notify

/// ``Delivery`` asks its ``SendPermits`` before every send and before each further request of a
/// split send, and obeys: a nil answer (the claim passed to another replica) is neither sent nor
/// marked; a store that cannot answer sends nothing; `Retry-After` pauses through the permits.
@Suite struct SendPermitTests {
    static let t0 = DeliveryTests.t0

    /// Answers by entry and by how many times that entry asked; records every question.
    final class ScriptedPermits: SendPermits {
        struct Ask: Sendable, Hashable {
            var entry: Int64
            var destination: String
            var perSecond: Double?
            var burst: Int
        }

        private let state = Mutex<(asks: [Ask], pauses: [(String, Date)])>(([], []))
        /// (entry, its n-th ask from 1) → the answer; throws when it returns `.failure`.
        let answer: @Sendable (Int64, Int) -> Result<Duration?, StoreError>

        init(answer: @escaping @Sendable (Int64, Int) -> Result<Duration?, StoreError> = { _, _ in .success(.zero) }) {
            self.answer = answer
        }

        var asks: [Ask] { state.withLock { $0.asks } }
        var pauses: [(String, Date)] { state.withLock { $0.pauses } }

        func permit(entry: Int64, destination: String, perSecond: Double?, burst: Int, at now: Date) async throws -> Duration? {
            let count = state.withLock { state in
                state.asks.append(Ask(entry: entry, destination: destination, perSecond: perSecond, burst: burst))
                return state.asks.filter { $0.entry == entry }.count
            }
            return try answer(entry, count).get()
        }

        func pause(destination: String, until: Date) async throws {
            state.withLock { $0.pauses.append((destination, until)) }
        }
    }

    /// A channel that sends each notification as `parts` requests, paced like a split Slack
    /// message (``RequestPacing``); records the parts that went out.
    final class SplitChannel: Channel {
        let name: String
        let parts: Int
        var kind: ChannelKind { .slack }
        var destination: String { "https://hooks.slack.test/services/T0/B0/SECRETTOKEN" }
        var rateLimit: RateLimit? { .slackCompatible }
        var redactedDestination: String { "https://hooks.slack.test/…" }
        private let sentParts = Mutex<[String]>([])

        init(name: String, parts: Int) {
            self.name = name
            self.parts = parts
        }

        var sent: [String] { sentParts.withLock { $0 } }

        func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
            for part in 0..<parts {
                if part > 0 { try await RequestPacing.beforeNextRequest() }
                sentParts.withLock { $0.append("\(document.idempotencyKey) \(part + 1)/\(parts)") }
            }
        }
    }

    @Test func anEntryHandedOverIsNeitherSentNorMarked() async throws {
        let outbox = MemoryOutbox()
        var added: [Int64] = []
        for draft in try DeliveryTests.drafts(3) { added.append(await outbox.add(draft, at: Self.t0)) }
        let ids = added
        let permits = ScriptedPermits { entry, _ in .success(entry == ids[1] ? nil : .zero) }
        let channel = ScriptedChannel(name: "ops", rateLimit: .slackCompatible)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0), permits: permits)
        let report = await delivery.deliverDue(now: Self.t0)
        #expect(report.delivered == 2 && report.handedOver == 1 && report.retrying == 0, "\(report)")
        #expect(channel.sent.count == 2)
        let handedOver = try #require(await outbox.entry(ids[1]))
        #expect(handedOver.state == .pending && handedOver.attempts == 0 && handedOver.lastError == nil)
        // Every send asked once, with the channel's limit and a key that is not the destination.
        #expect(permits.asks.map(\.entry) == ids)
        #expect(permits.asks.allSatisfy { $0.perSecond == 1 && $0.burst == 3 && $0.destination == channel.permitKey })
    }

    /// The wait a permit gives is slept on the delivery's clock before the send.
    @Test func theSendWaitsAsThePermitSays() async throws {
        let outbox = MemoryOutbox()
        for draft in try DeliveryTests.drafts(2) { await outbox.add(draft, at: Self.t0) }
        let permits = ScriptedPermits { _, _ in .success(.seconds(7)) }
        let clock = ManualClock(Self.t0)
        let delivery = Delivery(outbox: outbox, channels: [ScriptedChannel(name: "ops")], clock: clock, permits: permits)
        #expect(await delivery.deliverDue(now: Self.t0).delivered == 2)
        #expect(clock.sleeps == [.seconds(7), .seconds(7)])
    }

    /// A split send asks before each further part; lost at the third part of five, the send
    /// stops there and the entry stays as it was (the replica holding the claim sends it).
    @Test func aClaimLostMidSendStopsTheSendUnmarked() async throws {
        let outbox = MemoryOutbox()
        let drafts = try DeliveryTests.drafts(2)
        let first = await outbox.add(drafts[0], at: Self.t0)
        let second = await outbox.add(drafts[1], at: Self.t0)
        let permits = ScriptedPermits { entry, ask in .success(entry == first && ask == 3 ? nil : .zero) }
        let channel = SplitChannel(name: "ops", parts: 5)
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0), permits: permits)
        let report = await delivery.deliverDue(now: Self.t0)
        #expect(report.delivered == 1 && report.handedOver == 1 && report.retrying == 0, "\(report)")
        #expect(channel.sent.count == 2 + 5)
        #expect(permits.asks.filter { $0.entry == first }.count == 3)
        #expect(permits.asks.filter { $0.entry == second }.count == 5)
        let stopped = try #require(await outbox.entry(first))
        #expect(stopped.state == .pending && stopped.attempts == 0)
        #expect(await outbox.attempts[first] == nil, "no delivery log entry for a send that was not this replica's")
        #expect(try #require(await outbox.entry(second)).state == .delivered)
    }

    /// A store that cannot be asked: nothing is sent to the destination in this pass, nothing
    /// marked (the claims lapse; the entries are sent later, same keys).
    @Test func noPermitNoSend() async throws {
        let outbox = MemoryOutbox()
        for draft in try DeliveryTests.drafts(3) { await outbox.add(draft, at: Self.t0) }
        let permits = ScriptedPermits { _, _ in .failure(StoreError(.database, "connection refused")) }
        let channel = ScriptedChannel(name: "ops")
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0), permits: permits)
        #expect(await delivery.deliverDue(now: Self.t0) == Delivery.Report())
        #expect(channel.sent.isEmpty)
        #expect(permits.asks.count == 1, "the destination's batch stops at the first refusal")
        #expect(try await outbox.depth() == [.pending: 3])
    }

    /// `Retry-After` pauses the destination through the permits (on a shared store: for every
    /// replica), under the hashed key.
    @Test func retryAfterPausesTheDestinationThroughThePermits() async throws {
        let outbox = MemoryOutbox()
        await outbox.add(try DeliveryTests.drafts(1)[0], at: Self.t0)
        let channel = ScriptedChannel(name: "ops", script: [DeliveryFailure(message: "HTTP 429", retryAfter: .seconds(120))])
        let permits = ScriptedPermits()
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Self.t0), permits: permits, random: { 1 })
        #expect(await delivery.deliverDue(now: Self.t0).retrying == 1)
        let pauses = permits.pauses
        #expect(pauses.count == 1)
        #expect(pauses.first?.0 == channel.permitKey)
        #expect(pauses.first?.1 == Self.t0.addingTimeInterval(120))
    }

    /// The key is a SHA-256 of the destination: one per destination, and the token in the URL
    /// appears nowhere in it.
    @Test func thePermitKeyHidesTheDestination() {
        let channel = SplitChannel(name: "ops", parts: 1)
        let key = channel.permitKey
        #expect(key.hasPrefix("sha256:") && key.count == 7 + 64)
        #expect(key.dropFirst(7).allSatisfy { $0.isHexDigit })
        #expect(!key.contains("SECRETTOKEN") && !key.contains("hooks"))
        #expect(key != ScriptedChannel(name: "ops").permitKey)
        #expect(key == SplitChannel(name: "other", parts: 2).permitKey, "two channels on one URL share its limit")
    }

    /// The loop waits a whole hour between polls here: only ``Delivery/wake()`` can make it send
    /// what was queued after its first poll within the test's minute.
    @Test func wakeEndsTheWaitBeforeThePoll() async throws {
        let outbox = MemoryOutbox()
        let channel = ScriptedChannel(name: "ops")
        let delivery = Delivery(
            outbox: outbox, channels: [channel], configuration: .init(pollInterval: .seconds(3600)), clock: SystemClock())
        let task = Task { try await delivery.run() }
        try await waitUntil("the first poll", timeout: .seconds(60)) { await outbox.dueReads >= 1 }
        for draft in try DeliveryTests.drafts(2) { await outbox.add(draft, at: Date()) }
        delivery.wake()
        try await waitUntil("2 sends after the wake", timeout: .seconds(60)) { channel.sent.count >= 2 }
        #expect(await outbox.dueReads == 2, "one poll for the one wake")
        task.cancel()
        try await task.value
    }

    /// A ring while nobody waits is kept for the next wait; a cancelled wait returns.
    @Test func aWakeupIsKeptUntilWaitedFor() async throws {
        let wakeup = Wakeup()
        wakeup.ring()
        wakeup.ring()
        await wakeup.wait()  // at once: rung before
        let waiter = Task { await wakeup.wait() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value  // returns: cancelled
        let rung = Task { await wakeup.wait() }
        try await Task.sleep(for: .milliseconds(50))
        wakeup.ring()
        await rung.value
    }
}
