import Curl
import Foundation
import Logging
import Sandbox
import Synchronization
import Testing
import TestSupport
import Watch

@testable import Notify

/// Generated histories (issue 16): random cycles of events routed by two rules, one grouped
/// and throttled, into a real SQLite store, delivered over real HTTP to a receiver that
/// answers each notification by a plan (at once; 500 then 200; a permanent 400), then read
/// back with `history` and checked against a small model written apart from the router:
/// which rows each cycle records (notified per channel, held by the throttle until when) and
/// what each notified row's delivery log says.
@Suite struct HistoryModelTests {
    /// What the receiver answers to the attempts of a notification, by its key: the model
    /// reads the same plan, so it knows every attempt's answer.
    static func plan(_ key: String) -> [Int] {
        switch key.unicodeScalars.first.map({ Int($0.value) % 3 }) ?? 0 {
        case 0: [200]
        case 1: [500, 200]
        default: [400]
        }
    }

    /// A history row reduced to what the model predicts.
    struct Row: Hashable, Comparable {
        var cycle: Int64
        var rule: String
        var postId: String
        var eventCycle: Int64?
        var kind: String
        var channel: String?
        var until: Date?
        static func < (a: Row, b: Row) -> Bool {
            (a.cycle, a.rule, a.postId, a.eventCycle ?? 0, a.kind, a.channel ?? "") < (b.cycle, b.rule, b.postId, b.eventCycle ?? 0, b.kind, b.channel ?? "")
        }
    }

    /// The model of the throttled rule: per account, when it last sent and what it holds.
    struct ThrottleModel {
        var lastSent: [String: Date] = [:]
        var held: [String: [Event]] = [:]
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func generatedHistoriesMatchTheModel(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &random) }
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let answered = Mutex<[String: Int]>([:])
        receiver.setHandler { request in
            let key = request.header("Idempotency-Key") ?? ""
            let attempt = answered.withLock { counts in
                counts[key, default: 0] += 1
                return counts[key]!
            }
            let plan = Self.plan(key)
            let status = plan[min(attempt, plan.count) - 1]
            return .status(status, status == 200 ? "ok" : "no (attempt \(attempt))")
        }
        let transport = CurlTransport()
        let channels = ["ops", "audit"].map { WebhookChannel(name: $0, url: receiver.url("/\($0)"), secret: nil, transport: transport) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        let window: TimeInterval = 300
        let throttled = Fixtures.rule("Failed", when: "failed", channels: ["ops", "audit"], groupBy: ["accountId"], throttle: .seconds(300))
        let plain = Fixtures.rule("Posted", when: "posted", channels: ["ops"])
        let router = NotificationRouter(rules: [throttled, plain], channelKinds: ["ops": .webhook, "audit": .webhook])
        let clock = ManualClock(Fixtures.t0)
        let delivery = Delivery(
            outbox: store, channels: channels, clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            random: { 0 })

        var throttle: [ThrottleKey: ThrottleState] = [:]
        var model = ThrottleModel()
        var expected: [Row] = []
        var time = Fixtures.t0
        for cycle in Int64(1)...12 {
            time = max(time, clock.now).addingTimeInterval(Double(60 + below(240)))
            clock.setWallTime(time)
            let events = (0..<below(4)).map { index -> Event in
                var event = Fixtures.event(
                    "p\(cycle)_\(index)", to: below(3) == 0 ? "posted" : "failed", account: "acc_\(below(2))",
                    detectedAt: time)
                event.cycle = cycle
                return event
            }
            let routing = router.route(events, at: time, throttle: throttle, openAlerts: [])
            var commit = CycleCommit(cycle: CycleRecord(startedAt: time, endedAt: time, result: .complete))
            commit.events = events
            commit.notifications = routing.notifications
            commit.throttle = routing.throttle
            commit.dispositions = routing.dispositions
            try await store.commit(commit)
            for (key, state) in routing.throttle { throttle[key] = state }

            // The model: posted events go out at once; failed ones per account, at most one
            // message per 300 s, held ones going out with the first message after.
            for event in events where event.to == "posted" {
                expected.append(Row(cycle: cycle, rule: "Posted", postId: event.post.postId, eventCycle: cycle, kind: "notified", channel: "ops"))
            }
            let failed = Dictionary(grouping: events.filter { $0.to == "failed" }, by: \.post.accountId)
            for account in Set(failed.keys).union(model.held.keys) {
                let fresh = failed[account] ?? []
                if let last = model.lastSent[account], time.timeIntervalSince(last) < window {
                    for event in fresh {
                        for channel in ["ops", "audit"] {
                            expected.append(Row(
                                cycle: cycle, rule: "Failed", postId: event.post.postId, eventCycle: cycle, kind: "held-by-throttle",
                                channel: channel, until: last.addingTimeInterval(window)))
                        }
                    }
                    model.held[account, default: []] += fresh
                } else {
                    let out = (model.held[account] ?? []) + fresh
                    model.held[account] = nil
                    guard !out.isEmpty else { continue }
                    model.lastSent[account] = time
                    for event in out {
                        for channel in ["ops", "audit"] {
                            expected.append(Row(
                                cycle: cycle, rule: "Failed", postId: event.post.postId, eventCycle: event.cycle, kind: "notified",
                                channel: channel))
                        }
                    }
                }
            }
            _ = await delivery.drain(until: time.addingTimeInterval(50))
        }

        let history = try await store.history(HistoryQuery(limit: 10_000))
        let rows = history.map { entry in
            var until: Date?
            if case .heldByThrottle(let date) = entry.disposition { until = date }
            return Row(
                cycle: entry.cycleId, rule: entry.rule, postId: entry.event.postId, eventCycle: entry.event.cycle,
                kind: entry.disposition.kind, channel: entry.channel, until: until)
        }
        #expect(rows.sorted() == expected.sorted())
        #expect(history.contains { $0.disposition.kind == "held-by-throttle" }, "seed \(seed) held nothing: a weak history")

        // Every notified row reads its notification's whole delivery log, as the plan answered.
        for entry in history {
            guard let key = entry.disposition.idempotencyKey else {
                #expect(entry.notification == nil)
                continue
            }
            let notification = try #require(entry.notification)
            let plan = Self.plan(key)
            #expect(notification.attempts.map(\.answer) == plan.map { "HTTP \($0)" }, "\(key)")
            #expect(notification.attempts.map(\.number) == Array(1...plan.count))
            let outcomes: [DeliveryAttemptRecord.Outcome] = plan.map { $0 == 200 ? .delivered : ($0 == 500 ? .retry : .dead) }
            #expect(notification.attempts.map(\.outcome) == outcomes)
            #expect(notification.state == (plan.last == 200 ? .delivered : .dead))
            #expect(notification.attempts.allSatisfy { ($0.error == nil) == ($0.outcome == .delivered) })
        }
    }
}
