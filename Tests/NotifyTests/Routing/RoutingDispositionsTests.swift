import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// What each stage says became of the events (``Routing/dispositions``, the history): one row
/// per event, rule and channel notified, naming the draft it went out in; one per event held.
@Suite struct RoutingDispositionsTests {
    let t0 = Fixtures.t0

    func failed(_ id: String, cycle: Int64, account: String = "acc_1") -> Event {
        var event = Fixtures.event(id, account: account, detectedAt: t0)
        event.cycle = cycle
        return event
    }

    @Test func eachEventIsNotifiedOnEveryChannelInItsDraft() {
        let rule = Fixtures.rule("Failed", channels: ["ops", "audit"], groupBy: ["accountId"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack, "audit": .webhook])
        let events = [failed("p1", cycle: 1, account: "a"), failed("p2", cycle: 1, account: "b"), Fixtures.event("p3", to: "posted")]
        let routing = router.route(events, at: t0, throttle: [:])

        let rows = routing.dispositions.map { "\($0.event.post.postId) \($0.rule) \($0.disposition.channel ?? "-")" }
        #expect(rows.sorted() == ["p1 Failed audit", "p1 Failed ops", "p2 Failed audit", "p2 Failed ops"], "p3 matched nothing")
        for row in routing.dispositions {
            // The key is the one of the draft queued to that channel, for that event's group.
            let draft = routing.notifications.first { $0.idempotencyKey == row.disposition.idempotencyKey }
            #expect(draft?.channel == row.disposition.channel)
            let document = try? NotificationDocument.decode(draft?.payload ?? Data())
            #expect(document?.events.map(\.post.postId) == [row.event.post.postId])
        }
    }

    @Test func aHeldEventSaysUntilWhenAndIsNotifiedWhenItGoesOut() {
        let rule = Fixtures.rule("Failed", channels: ["ops"], throttle: .seconds(600))
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack])
        let key = ThrottleKey(rule: "Failed", group: "")
        let first = router.route([failed("p1", cycle: 1)], at: t0, throttle: [:])
        #expect(first.dispositions.map(\.disposition.kind) == ["notified"])

        var state = first.throttle.compactMapValues { $0 }
        let second = router.route([failed("p2", cycle: 2)], at: t0.addingTimeInterval(120), throttle: state)
        #expect(second.notifications.isEmpty)
        #expect(second.dispositions.map(\.disposition) == [.heldByThrottle(until: t0.addingTimeInterval(600))])
        #expect(second.dispositions.map(\.event.post.postId) == ["p2"])
        #expect(second.dispositions.map(\.channel) == ["ops"], "held back from the rule's channel")

        // Nothing new, still closed: the held event is not recorded again.
        state[key] = second.throttle[key] ?? nil
        #expect(router.route([], at: t0.addingTimeInterval(300), throttle: state).dispositions.isEmpty)

        let released = router.route([failed("p3", cycle: 4)], at: t0.addingTimeInterval(600), throttle: state)
        let draft = released.notifications.first
        #expect(released.dispositions.map(\.event.post.postId) == ["p2", "p3"])
        #expect(released.dispositions.map(\.event.cycle) == [2, 4], "the held event keeps the cycle that found it")
        #expect(released.dispositions.allSatisfy { $0.disposition == .notified(channel: "ops", idempotencyKey: draft?.idempotencyKey ?? "") })
    }

    @Test func aResolveIsRecordedForTheEventThatClosedTheAlert() {
        let rule = Fixtures.rule("Failed", channels: ["oncall"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["oncall": .pagerduty])
        var posted = Fixtures.event("p1", from: "failed", to: "posted")
        posted.cycle = 2
        let alert = OpenAlert(rule: "Failed", postId: "p1", channel: "oncall")
        let routing = router.route([posted], at: t0, throttle: [:], openAlerts: [alert])
        let key = routing.notifications.first?.idempotencyKey ?? ""
        #expect(routing.dispositions.map(\.disposition) == [.resolved(channel: "oncall", idempotencyKey: key)])
        #expect(routing.dispositions.map(\.rule) == ["Failed"] && routing.dispositions.map(\.event) == [posted])
    }
}
