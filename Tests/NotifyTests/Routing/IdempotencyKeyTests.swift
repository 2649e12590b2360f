import Foundation
import Testing
import Watch

@testable import Notify

/// The key is persisted and receivers deduplicate on it: these values must never change (an
/// upgrade would resend everything still in a receiver's memory).
@Suite struct IdempotencyKeyTests {
    @Test func aKnownKeyStaysTheSame() {
        #expect(
            IdempotencyKey.make(rule: "Failed", groupKey: "", channel: "ops", events: [Fixtures.event("p1")])
                == "6475279ce3c95af50c2f74fa97219b547d61f66be97237bf312def52ad063673")
        var first = Fixtures.event("p1", account: "acc_a")
        first.cycle = 3
        var second = Fixtures.event("p2", account: "acc_a")
        second.cycle = 7
        // The events' order does not matter; their cycles do.
        #expect(
            IdempotencyKey.make(rule: "Failed", groupKey: "accountId=acc_a", channel: "audit", events: [second, first])
                == "5bc867c28a4f7c503bfaff1aa00b8258052e2fb7ad4208261aacb68195af267f")
    }

    @Test func theRouterKeysItsDraftsSo() {
        let router = NotificationRouter(rules: [Fixtures.rule("Failed", channels: ["ops"])], channelKinds: ["ops": .slack])
        let routing = router.route([Fixtures.event("p1")], at: Fixtures.t0, throttle: [:])
        #expect(routing.notifications.map(\.idempotencyKey) == ["6475279ce3c95af50c2f74fa97219b547d61f66be97237bf312def52ad063673"])
    }
}
