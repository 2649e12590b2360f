import Foundation
import Testing
import Watch

@testable import Notify

/// Routing, stage 3: the throttle holds messages back and never drops an event.
@Suite struct ThrottleGateTests {
    let t0 = Fixtures.t0
    let groups = ["g=b": [Fixtures.event("p2")], "g=a": [Fixtures.event("p1")]]

    @Test func withoutAThrottleEveryGroupGoesOutInKeyOrder() {
        let outcome = ThrottleGate(rule: "R", window: nil, now: t0).pass(groups, state: [:])
        #expect(outcome.messages.map(\.groupKey) == ["g=a", "g=b"])
        #expect(outcome.messages.allSatisfy { $0.suppressed == nil })
        #expect(outcome.updates.isEmpty)
    }

    @Test func aClosedWindowHoldsTheEventsAndAnOpenOneSendsThem() throws {
        let key = ThrottleKey(rule: "R", group: "g=a")
        let gate = ThrottleGate(rule: "R", window: .seconds(900), now: t0.addingTimeInterval(60))
        let closed = gate.pass(["g=a": [Fixtures.event("p1")]], state: [key: ThrottleState(lastSentAt: t0)])
        #expect(closed.messages.isEmpty)
        let held = try #require(closed.updates[key] ?? nil)
        #expect(held.held.map(\.post.postId) == ["p1"] && held.heldSince == t0.addingTimeInterval(60))

        let later = ThrottleGate(rule: "R", window: .seconds(900), now: t0.addingTimeInterval(900))
        let open = later.pass(["g=a": [Fixtures.event("p1"), Fixtures.event("p3")]], state: [key: held])
        #expect(open.messages.map { $0.events.map(\.post.postId) } == [["p1", "p3"]], "a held event is not sent twice")
        #expect(open.messages.first?.suppressed == .init(count: 1, since: t0.addingTimeInterval(60)))
        #expect(open.updates[key] == .some(ThrottleState(lastSentAt: t0.addingTimeInterval(900))))
    }

    @Test func aWindowThatPassedWithNothingHeldIsForgotten() {
        let key = ThrottleKey(rule: "R", group: "")
        let outcome = ThrottleGate(rule: "R", window: .seconds(60), now: t0.addingTimeInterval(61))
            .pass([:], state: [key: ThrottleState(lastSentAt: t0)])
        #expect(outcome.messages.isEmpty)
        #expect(outcome.updates.keys.contains(key) && outcome.updates[key]! == nil)
    }

    @Test func theStatesOfRulesNoLongerLoadedAreDeleted() {
        let kept = ThrottleKey(rule: "R", group: "")
        let gone = ThrottleKey(rule: "Gone", group: "")
        let state = [kept: ThrottleState(lastSentAt: t0), gone: ThrottleState(lastSentAt: t0)]
        let updates = ThrottleGate.forgotten(state, keeping: ["R"])
        #expect(Array(updates.keys) == [gone])
    }
}
