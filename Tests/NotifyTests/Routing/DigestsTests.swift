import Foundation
import Testing
import Watch

@testable import Notify

/// Routing, stage 3 (digest): events collected and sent at the rule's times, one message per
/// group; a time missed while down sent once at start; DST days named.
@Suite struct DigestsTests {
    typealias F = ScheduleFixtures

    static let twiceADay = F.router("""
        rule "Digest" {
          when failed
          notify ops
          group by accountId
          digest at 09:00, 17:00 Europe/Berlin
        }
        """)

    func route(_ events: [Event] = [], at now: Date, _ state: ScheduledState, by router: NotificationRouter = twiceADay) -> Routing {
        router.route(events, at: now, throttle: [:], openAlerts: [], scheduled: state)
    }

    /// A rule's first cycle counts from now: its events are collected, nothing is sent.
    @Test func theFirstCycleCollectsAndStartsTheClock() {
        let now = F.utc("2026-07-15T06:00:00Z")
        let routing = route([F.failed(cycle: 1, at: now)], at: now, ScheduledState())
        #expect(routing.notifications.isEmpty)
        #expect(routing.digestEntries.map(\.event.post.postId) == ["p1"])
        #expect(routing.digestEntries.map(\.groupKey) == ["accountId=acc_1"])
        #expect(routing.digestEntries.map(\.sendsAt) == [F.utc("2026-07-15T07:00:00Z")], "09:00 in Berlin")
        #expect(routing.digestsSent == ["Digest": now])
    }

    /// At 09:00 Berlin (07:00Z in summer) the collected events and this cycle's go out, one
    /// message per group, and the store's collection is emptied.
    @Test func atItsTimeOneMessagePerGroupCarriesEverythingCollected() throws {
        var state = ScheduledState(digestsSentAt: ["Digest": F.utc("2026-07-15T06:00:00Z")])
        let early = [F.failed("p1", account: "acc_1", cycle: 1, at: F.utc("2026-07-15T06:10:00Z")),
                     F.failed("p2", account: "acc_2", cycle: 1, at: F.utc("2026-07-15T06:10:00Z"))]
        let collecting = route(early, at: F.utc("2026-07-15T06:10:00Z"), state)
        #expect(collecting.notifications.isEmpty && collecting.digestsSent.isEmpty)
        state = F.applied(collecting, to: state)
        let late = F.failed("p3", account: "acc_1", cycle: 2, at: F.utc("2026-07-15T07:00:30Z"))
        let sending = route([late], at: F.utc("2026-07-15T07:00:30Z"), state)
        let documents = try F.documents(sending)
        #expect(documents.map(\.groupKey) == ["accountId=acc_1", "accountId=acc_2"])
        #expect(documents.map { $0.events.map(\.post.postId) } == [["p1", "p3"], ["p2"]])
        #expect(sending.digestsSent == ["Digest": F.utc("2026-07-15T07:00:00Z")])
        #expect(sending.digestEntries.isEmpty)
        state = F.applied(sending, to: state)
        #expect(state.digests["Digest"] == nil)
        // The next cycle, before 17:00: nothing.
        #expect(route(at: F.utc("2026-07-15T07:01:00Z"), state).notifications.isEmpty)
    }

    /// Down from 08:00Z on the 15th to 18:30Z on the 16th: 17:00 and 09:00 and 17:00 passed.
    /// The start sends one digest, keyed by the latest time (17:00 on the 16th), and nothing
    /// more until the next time.
    @Test func digestTimeMissedWhileDownIsSentAtStartOnce() throws {
        let collected = F.failed(cycle: 1, at: F.utc("2026-07-15T07:30:00Z"))
        let state = ScheduledState(
            digests: ["Digest": ["accountId=acc_1": [collected]]], digestsSentAt: ["Digest": F.utc("2026-07-15T07:00:00Z")])
        let start = route(at: F.utc("2026-07-16T18:30:00Z"), state)
        #expect(start.notifications.count == 1)
        #expect(start.digestsSent == ["Digest": F.utc("2026-07-16T15:00:00Z")])
        let after = F.applied(start, to: state)
        #expect(route(at: F.utc("2026-07-16T18:31:00Z"), after).notifications.isEmpty)
        #expect(route(at: F.utc("2026-07-17T06:59:59Z"), after).notifications.isEmpty)
        #expect(route(at: F.utc("2026-07-17T07:00:00Z"), after).digestsSent == ["Digest": F.utc("2026-07-17T07:00:00Z")])
    }

    /// Restarted at 10:00 after sending at 09:00: the state says 09:00 is done, nothing extra.
    @Test func aDaemonRestartedBetweenTimesSendsNothingExtra() {
        let state = ScheduledState(
            digests: ["Digest": ["accountId=acc_1": [F.failed(cycle: 3, at: F.utc("2026-07-15T07:30:00Z"))]]],
            digestsSentAt: ["Digest": F.utc("2026-07-15T07:00:00Z")])
        let restarted = route(at: F.utc("2026-07-15T08:00:00Z"), state, by: F.router(Self.source))
        #expect(restarted.notifications.isEmpty && restarted.digestsSent.isEmpty && restarted.digestEntries.isEmpty)
    }
    static let source = """
        rule "Digest" {
          when failed
          notify ops
          group by accountId
          digest at 09:00, 17:00 Europe/Berlin
        }
        """

    /// `digest at 02:30` on 2026-03-29 in Berlin: 02:30 never shows; the digest goes at the
    /// jump (03:00 CEST, 01:00Z), once.
    @Test func springForwardDayA0230DigestGoesAtTheJump() {
        let router = F.router("rule \"Digest\" {\n  when failed\n  notify ops\n  digest at 02:30 Europe/Berlin\n}")
        let state = ScheduledState(
            digests: ["Digest": ["": [F.failed(cycle: 1, at: F.utc("2026-03-28T12:00:00Z"))]]],
            digestsSentAt: ["Digest": F.utc("2026-03-28T01:30:00Z")])
        #expect(route(at: F.utc("2026-03-29T00:59:59Z"), state, by: router).notifications.isEmpty)
        let jump = route(at: F.utc("2026-03-29T01:00:00Z"), state, by: router)
        #expect(jump.notifications.count == 1 && jump.digestsSent == ["Digest": F.utc("2026-03-29T01:00:00Z")])
    }

    /// `digest at 02:30` on 2026-10-25 in Berlin: 02:30 shows twice; the digest goes at the
    /// first (00:30Z), and the second reading (01:30Z) sends nothing.
    @Test func autumnRepeatedHourDigestGoesOnceAtTheFirstReading() {
        let router = F.router("rule \"Digest\" {\n  when failed\n  notify ops\n  digest at 02:30 Europe/Berlin\n}")
        var state = ScheduledState(
            digests: ["Digest": ["": [F.failed(cycle: 1, at: F.utc("2026-10-24T12:00:00Z"))]]],
            digestsSentAt: ["Digest": F.utc("2026-10-24T00:30:00Z")])
        let first = route(at: F.utc("2026-10-25T00:30:00Z"), state, by: router)
        #expect(first.digestsSent == ["Digest": F.utc("2026-10-25T00:30:00Z")] && first.notifications.count == 1)
        state = F.applied(first, to: state)
        state = F.applied(route([F.failed("p2", cycle: 2, at: F.utc("2026-10-25T01:00:00Z"))], at: F.utc("2026-10-25T01:00:00Z"), state, by: router), to: state)
        let second = route(at: F.utc("2026-10-25T01:35:00Z"), state, by: router)
        #expect(second.notifications.isEmpty && second.digestsSent.isEmpty)
    }

    /// The same state and time give the same keys (a cycle re-run after a crash queues
    /// nothing new); the 09:00 and 17:00 digests of the same events never share one.
    @Test func digestKeysAreDeterministicAndDifferPerTime() {
        let events = ["accountId=acc_1": [F.failed(cycle: 1, at: F.utc("2026-07-15T06:00:00Z"))]]
        let morning = ScheduledState(digests: ["Digest": events], digestsSentAt: ["Digest": F.utc("2026-07-15T06:00:00Z")])
        let evening = ScheduledState(digests: ["Digest": events], digestsSentAt: ["Digest": F.utc("2026-07-15T08:00:00Z")])
        let keys = { (state: ScheduledState, now: String) in route(at: F.utc(now), state).notifications.map(\.idempotencyKey) }
        #expect(keys(morning, "2026-07-15T07:05:00Z") == keys(morning, "2026-07-15T07:05:00Z"))
        #expect(keys(morning, "2026-07-15T07:05:00Z").count == 1)
        #expect(Set(keys(morning, "2026-07-15T07:05:00Z")).isDisjoint(with: keys(evening, "2026-07-15T15:05:00Z")))
    }

    /// `digest every 1h`: on the hour (UTC epoch-aligned), one message for everything held.
    @Test func digestEveryPeriodSendsOnTheHour() {
        let router = F.router("rule \"Digest\" {\n  when failed\n  notify ops\n  digest every 1h\n}")
        let state = ScheduledState(
            digests: ["Digest": ["": [F.failed(cycle: 1, at: F.utc("2026-07-15T06:10:00Z")), F.failed("p2", cycle: 1, at: F.utc("2026-07-15T06:10:00Z"))]]],
            digestsSentAt: ["Digest": F.utc("2026-07-15T06:00:00Z")])
        #expect(route(at: F.utc("2026-07-15T06:59:00Z"), state, by: router).notifications.isEmpty)
        let hour = route(at: F.utc("2026-07-15T07:00:10Z"), state, by: router)
        #expect(hour.notifications.count == 1 && hour.digestsSent == ["Digest": F.utc("2026-07-15T07:00:00Z")])
    }
}

extension DigestsTests {
    /// A reload that takes `digest` out of a rule: what it collected goes at once, and the
    /// rule's new events go as the rule now says.
    @Test func aRuleThatLostItsDigestSendsWhatItCollectedAtOnce() throws {
        let plain = F.router("rule \"Digest\" {\n  when failed\n  notify ops\n}")
        let state = ScheduledState(
            digests: ["Digest": ["accountId=acc_1": [F.failed(cycle: 1, at: F.utc("2026-07-15T06:00:00Z"))]]],
            digestsSentAt: ["Digest": F.utc("2026-07-15T06:00:00Z")])
        let now = F.utc("2026-07-15T06:30:00Z")
        let routing = plain.route([F.failed("p2", cycle: 2, at: now)], at: now, throttle: [:], openAlerts: [], scheduled: state)
        #expect(try F.documents(routing).map { $0.events.map(\.post.postId) } == [["p1"], ["p2"]])
        #expect(routing.digestsSent == ["Digest": now] && routing.digestEntries.isEmpty)
        #expect(F.applied(routing, to: state).digests.isEmpty)
    }
}
