import Foundation
import Testing
import Watch

@testable import Notify

/// Routing into the real SQLite outbox and delivering from it.
@Suite struct StoreDeliveryTests {
    @Test func routedNotificationsAreDeliveredFromTheSQLiteOutbox() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)

        let rule = RoutingRule(name: "Failed", severity: "critical", channels: ["ops", "audit"], groupBy: ["accountId"]) { event, _ in
            event.to == "failed"
        }
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": "slack", "audit": "webhook"])
        let now = Fixtures.t0
        let routing = router.route([Fixtures.event("p1", account: "a"), Fixtures.event("p2", account: "b")], at: now, throttle: [:])
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = routing.notifications
        _ = try await store.commit(commit)
        // A crash before the commit and the same cycle run again: the same keys, nothing doubled.
        var again = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        again.notifications = router.route([Fixtures.event("p2", account: "b"), Fixtures.event("p1", account: "a")], at: now, throttle: [:]).notifications
        #expect(Set(again.notifications.map(\.idempotencyKey)) == Set(routing.notifications.map(\.idempotencyKey)))

        let ops = ScriptedChannel(name: "ops", kind: "slack", script: [DeliveryFailure(message: "HTTP 500")])
        let audit = ScriptedChannel(name: "audit", kind: "webhook")
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
}
