import Curl
import Foundation
import PostgresState
import Rules
import Sandbox
import Synchronization
import TestSupport
import Testing
import Timekeeping
import Watch

@testable import Notify

/// Three replicas delivering from one PostgreSQL outbox (issue 17), each a ``Delivery`` on its
/// own ``PostgresStore`` (its own pool, its own replica id), against a real HTTP receiver that
/// notes when each request arrived. Generated workloads: how many channels share the
/// destination, its rate and burst, how many notifications, how many a replica claims at once.
@Suite(.enabled(if: PostgresServer.shouldTest), .serialized) struct ReplicaDeliveryTests {
    /// The receiver's record: when each request arrived (seconds from the test's start, on the
    /// monotonic clock) and the notification's `Idempotency-Key`.
    final class Arrivals: Sendable {
        struct Arrival: Sendable {
            var at: Double
            var key: String
        }

        private let start = ContinuousClock.now
        private let list = Mutex<[Arrival]>([])

        var all: [Arrival] { list.withLock { $0 } }
        var keys: Set<String> { Set(all.map(\.key)) }

        /// A receiver that records here every request it gets and answers with `answer` of the
        /// request's number (from 1), by default 200 `{}`.
        static func receiver(
            _ answer: @escaping @Sendable (Int) -> HTTPReceiver.Response = { _ in .json("{}") }
        ) throws -> (HTTPReceiver, Arrivals) {
            let receiver = try HTTPReceiver.start()
            let arrivals = Arrivals()
            receiver.setHandler { request in
                let number = arrivals.list.withLock { list in
                    list.append(Arrival(at: (ContinuousClock.now - arrivals.start).secondsValue, key: request.header("Idempotency-Key") ?? ""))
                    return list.count
                }
                return answer(number)
            }
            return (receiver, arrivals)
        }
    }

    /// Queues one notification per entry of `channels` (a channel may repeat), each for its own
    /// post and rule, through a cycle commit as the poller queues them; returns their keys.
    static func queue(channels: [String], into store: PostgresStore, at now: Date = Date()) async throws -> [String] {
        var drafts: [OutboxDraft] = []
        for (index, channel) in channels.enumerated() {
            let rule = Fixtures.rule("r\(index)", when: "failed", channels: [channel])
            let router = NotificationRouter(rules: [rule], channelKinds: [channel: .webhook])
            drafts += router.route([Fixtures.event("p\(index)")], at: now, throttle: [:]).notifications
        }
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = drafts
        try await store.commit(commit)
        return drafts.map(\.idempotencyKey)
    }

    /// Runs every delivery's service loop until `condition` holds (or `timeout`), then a little
    /// longer (`settle`: a send twice would show), then stops them.
    static func run(
        _ deliveries: [Delivery], until what: String, timeout: Duration = .seconds(120), settle: Duration = .milliseconds(500),
        _ condition: @escaping @Sendable () async -> Bool
    ) async throws {
        let tasks = deliveries.map { delivery in Task { try await delivery.run() } }
        defer { tasks.forEach { $0.cancel() } }
        try await waitUntil(what, timeout: timeout, condition)
        try await Task.sleep(for: settle)
        for task in tasks {
            task.cancel()
            try await task.value
        }
    }

    /// By how many requests the busiest window of `times` (sorted) passes what a `perSecond`
    /// limit with `burst` allows: `burst + ⌊(Δ + jitter) · perSecond⌋` in any window of Δ
    /// seconds. `jitter` forgives a request sent late (never early: a replica sleeps its wait
    /// after the database gave it) next to one sent on time: the whole suite on 2 busy cores
    /// once delayed a send 0.4 s. Zero or less: within the limit.
    static func excess(_ times: [Double], perSecond: Double, burst: Int, jitter: Double) -> Int {
        var worst = Int.min
        for first in times.indices {
            for last in first..<times.count {
                let allowed = burst + Int(((times[last] - times[first] + jitter) * perSecond).rounded(.down))
                worst = max(worst, last - first + 1 - allowed)
            }
        }
        return worst
    }

    struct Workload: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var perSecond: Double
        var burst: Int
        /// Channel names, one per notification: several channels share the one destination.
        var channels: [String]
        /// What each replica claims of a channel at once.
        var batchSize: Int

        var testDescription: String {
            "seed \(seed): \(channels.count) notifications on \(Set(channels).count) channels, \(perSecond)/s burst \(burst), batch \(batchSize)"
        }

        /// About six seconds of sends at the limit.
        static func generated(seed: UInt64) -> Workload {
            var random = SeededRandom(seed: seed)
            let perSecond = [2.0, 3.0, 4.0].randomElement(using: &random)!
            let burst = Int.random(in: 1...3, using: &random)
            let channelCount = Int.random(in: 3...5, using: &random)
            let count = Int(perSecond * 6) + burst
            let channels = (0..<count).map { _ in "c\(Int.random(in: 0..<channelCount, using: &random))" }
            return Workload(
                seed: seed, perSecond: perSecond, burst: burst, channels: channels, batchSize: Int.random(in: 1...3, using: &random))
        }
    }

    /// Three replicas sharing one destination's limit: the receiver never sees more than the
    /// limit allows over any window, and every notification arrives exactly once. The same
    /// workload with each replica keeping its limit in memory (the control) passes it: the
    /// check can fail, and it is the shared limit that keeps it.
    @Test(arguments: [UInt64(17), 4242].map(Workload.generated))
    func threeReplicasKeepADestinationsRateBetweenThem(_ workload: Workload) async throws {
        for shared in [true, false] {
            let (receiver, arrivals) = try Arrivals.receiver()
            defer { receiver.stop() }
            let stores = try await PostgresServer.shared.replicas(3)
            let keys = try await Self.queue(channels: workload.channels, into: stores[0])
            #expect(Set(keys).count == keys.count)
            let limit = RateLimit(perSecond: workload.perSecond, burst: workload.burst)
            let deliveries = try stores.map { store in
                let channels = try Set(workload.channels).map { name in
                    WebhookChannel(name: name, url: receiver.url("/hook"), secret: nil, transport: CurlTransport(), rateLimit: limit)
                }
                return Delivery(
                    outbox: store, channels: channels,
                    configuration: .init(batchSize: workload.batchSize, pollInterval: .milliseconds(100)),
                    permits: shared ? store : RateLimiter())
            }
            try await Self.run(deliveries, until: "every notification delivered") { arrivals.keys.count >= keys.count }
            // The shared row is keyed by the destination's SHA-256: no URL in the database.
            let rows = try await PostgresServer.shared.psql(
                "SELECT destination FROM postwatch_destinations", database: stores[0].configuration.database)
            #expect(rows == (shared ? WebhookChannel(name: "c0", url: receiver.url("/hook"), secret: nil, transport: CurlTransport()).permitKey : ""))
            #expect(!rows.contains("127.0.0.1") && !rows.contains("hook"))
            for store in stores { await store.close() }

            let all = arrivals.all
            let times = all.map(\.at).sorted()
            let excess = Self.excess(times, perSecond: workload.perSecond, burst: workload.burst, jitter: 0.6)
            if shared {
                #expect(all.count == keys.count, "each exactly once")
                #expect(Set(all.map(\.key)) == Set(keys))
                #expect(excess <= 0, "a window saw \(excess) more requests than the limit allows: \(times)")
            } else {
                #expect(excess > 1, "the control: three limits in memory let through about thrice the rate")
            }
        }
    }
}

extension ReplicaDeliveryTests {
    /// A 429 with `Retry-After: 4` answered to one replica pauses the destination for all three:
    /// in the four seconds after it, only the sends the other replicas were already permitted
    /// (one each at most: a replica asks for one send at a time) reach the receiver, where
    /// without the shared pause they would go on at the limit (2/s: about eight). Every
    /// notification still arrives once, the refused one after the pause.
    @Test func retryAfterFromOneReplicaPausesTheOthers() async throws {
        // The fourth request is refused: by then all three replicas are sending.
        let (receiver, arrivals) = try Arrivals.receiver { $0 == 4 ? .tooManyRequests(retryAfter: "4") : .json("{}") }
        defer { receiver.stop() }
        let stores = try await PostgresServer.shared.replicas(3)
        let channels = (0..<16).map { "c\($0 % 4)" }
        let keys = try await Self.queue(channels: channels, into: stores[0])
        let deliveries = try stores.map { store in
            Delivery(
                outbox: store,
                channels: try Set(channels).map { name in
                    WebhookChannel(
                        name: name, url: receiver.url("/hook"), secret: nil, transport: CurlTransport(),
                        rateLimit: RateLimit(perSecond: 2, burst: 1))
                },
                configuration: .init(batchSize: 1, pollInterval: .milliseconds(100)), permits: store, random: { 0 })
        }
        try await Self.run(deliveries, until: "every notification delivered") {
            arrivals.all.count > keys.count && arrivals.keys == Set(keys)
        }
        for store in stores { await store.close() }

        let at = arrivals.all[3].at
        let during = arrivals.all.filter { $0.at > at && $0.at < at + 3.9 }
        #expect(during.count <= 2, "requests during the pause: \(during.map(\.at)) after the 429 at \(at)")
        #expect(arrivals.all.count == keys.count + 1, "each once, and the refused one again")
    }

    /// A replica's loop polls once an hour here: only the NOTIFY of the commit that queued the
    /// notifications, heard by its listener, can make it deliver them within the test's minute.
    @Test func aNotifyWakesAnIdleReplica() async throws {
        let (receiver, arrivals) = try Arrivals.receiver()
        defer { receiver.stop() }
        let server = PostgresServer.shared
        let stores = try await server.replicas(2)
        let (poller, idle) = (stores[0], stores[1])
        let delivery = Delivery(
            outbox: idle, channels: [WebhookChannel(name: "ops", url: receiver.url("/hook"), secret: nil, transport: CurlTransport())],
            configuration: .init(pollInterval: .seconds(3600)), permits: idle)
        let deliveryTask = Task { try await delivery.run() }
        let wakes = Atomic<Int>(0)
        let listener = Task {
            await idle.listenForOutbox {
                wakes.add(1, ordering: .relaxed)
                delivery.wake()
            }
        }
        defer {
            deliveryTask.cancel()
            listener.cancel()
        }
        // Listening: its connection's last statement is the LISTEN.
        try await waitUntil("the idle replica listens", timeout: .seconds(60)) {
            let listening = try? await server.psql(
                """
                SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
                AND application_name = '\(PostgresStore.applicationName("replica-1"))' AND query LIKE 'LISTEN%'
                """,
                database: idle.configuration.database)
            return listening == "1"
        }
        // The wake a listener gives when it starts (for what was queued before) is spent first.
        try await waitUntil("the listener's first wake", timeout: .seconds(60)) { wakes.load(ordering: .relaxed) >= 1 }
        try await Task.sleep(for: .milliseconds(300))
        let keys = try await Self.queue(channels: ["ops", "ops"], into: poller)
        try await waitUntil("the woken replica's sends", timeout: .seconds(60)) { arrivals.keys == Set(keys) }
        #expect(wakes.load(ordering: .relaxed) == 2, "one wake at the start, one for the commit's NOTIFY")
        deliveryTask.cancel()
        listener.cancel()
        try await deliveryTask.value
        await listener.value
        for store in stores { await store.close() }
    }

    /// With nothing to listen on (the database cannot be reached), the listener says so once,
    /// however often it tries again, and ends when cancelled.
    @Test func aListenThatFailsIsSaidOnce() async throws {
        let logs = CapturedLogs()
        // A port nothing listens on any more.
        let closed = try HTTPReceiver.start()
        closed.stop()
        let configuration = try PostgresConfiguration(url: "postgres://postwatch@127.0.0.1:\(closed.port)/none?sslmode=disable&connect_timeout=1")
        let store = try PostgresStore(configuration: configuration, replicaId: "lonely", logger: logs.logger())
        let listener = Task { await store.listenForOutbox(retryDelay: .milliseconds(50)) {} }
        try await waitUntil("a few tries", timeout: .seconds(60)) { logs.all.count >= 1 }
        try await Task.sleep(for: .seconds(2))
        listener.cancel()
        await listener.value
        #expect(logs.all.filter { $0.contains("cannot LISTEN") }.count == 1, "\(logs.all)")
        await store.close()
    }

    /// A claim forced to expire mid-send: a one-second lease, a receiver that holds the first
    /// request three seconds, and the replica sending it stopped meanwhile (its loop, which
    /// keeps its claims alive, ends; the send in flight goes on). The other replica takes the
    /// entry over and sends it too: the receiver sees it twice, under the same idempotency key,
    /// and every other notification once.
    @Test func aClaimExpiredMidSendIsSentAgainUnderTheSameKey() async throws {
        let (receiver, arrivals) = try Arrivals.receiver { $0 == 1 ? .slow(.seconds(3), .json("{}")) : .json("{}") }
        defer { receiver.stop() }
        let stores = try await PostgresServer.shared.replicas(2, claimLease: .seconds(1))
        let keys = try await Self.queue(channels: ["a", "b", "c", "d"], into: stores[0])
        let deliveries = stores.map { store in
            Delivery(
                outbox: store,
                channels: ["a", "b", "c", "d"].map { name in
                    WebhookChannel(name: name, url: receiver.url("/\(name)"), secret: nil, transport: CurlTransport())
                },
                configuration: .init(batchSize: 1, pollInterval: .milliseconds(100)), permits: store)
        }
        let first = Task { try await deliveries[0].run() }
        try await waitUntil("the first request", timeout: .seconds(60)) { !arrivals.all.isEmpty }
        first.cancel()
        try await Self.run([deliveries[1]], until: "every notification, the slow one twice") {
            Set(arrivals.all.map(\.key)) == Set(keys) && arrivals.all.count > keys.count
        }
        try await first.value
        for store in stores { await store.close() }
        let counts = Dictionary(grouping: arrivals.all, by: \.key).mapValues(\.count)
        #expect(Set(counts.keys) == Set(keys))
        #expect(counts.values.sorted() == [1, 1, 1, 2], "\(counts)")
        #expect(counts[arrivals.all[0].key] == 2, "the one sent twice is the one whose claim expired")
    }
}
