import Foundation
import Infinipost
import Rules
import Testing
import Watch

@testable import Notify

/// Routing, stage 1b (silence): an active silence takes its matches away from every message of
/// the rule and hands them back as muted, never dropped; resolves still go where triggers went.
@Suite struct SilenceGateTests {
    let t0 = Fixtures.t0

    func silence(_ id: Int64, _ matcher: String, from start: TimeInterval = -60, until end: TimeInterval = 3_600) -> Silence {
        Silence(
            id: id, matcher: matcher, startsAt: t0.addingTimeInterval(start), endsAt: t0.addingTimeInterval(end),
            createdAt: t0, author: "ana", comment: "outage")
    }

    func event(_ id: String, account: String, to: String = "failed") -> Event {
        Fixtures.event(id, from: to == "posted" ? "failed" : "pending_render", to: to, account: account)
    }

    /// The post ids each notification carries, by rule.
    func notified(_ routing: Routing) throws -> [String: [String]] {
        var posts: [String: [String]] = [:]
        for draft in routing.notifications {
            let document = try NotificationDocument.decode(draft.payload)
            posts[draft.rule, default: []] += document.events.map(\.post.postId)
        }
        return posts
    }

    @Test func aMutedEventIsRecordedWithItsSilenceNotNotified() throws {
        let router = NotificationRouter(rules: [Fixtures.rule()], channelKinds: ["ops": .slack])
        let events = [event("p1", account: "acc_1"), event("p2", account: "acc_2")]
        let routing = router.route(
            events, at: t0, throttle: [:], openAlerts: [], silences: [silence(3, #"accountId = "acc_1""#)])
        #expect(try notified(routing) == ["Failed": ["p2"]])
        #expect(routing.silenced == [SilencedEvent(rule: "Failed", silenceId: 3, event: events[0])])
        #expect(routing.fired == [["Failed"], ["Failed"]], "the rule fired for both")
    }

    /// An ended silence that asked for a summary: one message per rule it muted, to the rule's
    /// channels, carrying the muted posts under a title that says they were muted; keyed by the
    /// silence (the same drafts on a re-run); marked summarised. A rule no longer loaded gets none.
    @Test func anEndedSilenceIsSummarisedOncePerRuleItMuted() throws {
        let router = NotificationRouter(
            rules: [Fixtures.rule(channels: ["ops", "oncall"])], channelKinds: ["ops": .slack, "oncall": .pagerduty])
        var ended = silence(4, #"accountId = "acc_1""#, until: -10)
        ended.summary = true
        let muted = [event("p1", account: "acc_1"), event("p2", account: "acc_1")]
        var scheduled = ScheduledState()
        scheduled.endedSilences = [
            EndedSilence(
                silence: ended,
                muted: muted.map { SilencedEvent(rule: "Failed", silenceId: 4, event: $0) }
                    + [SilencedEvent(rule: "Removed rule", silenceId: 4, event: muted[0])])
        ]
        let routing = router.route([], at: t0, throttle: [:], openAlerts: [], scheduled: scheduled)
        #expect(try notified(routing) == ["Failed": ["p1", "p2"]])
        #expect(routing.notifications.map(\.channel) == ["ops"], "not to PagerDuty: a summary pages nobody")
        let document = try NotificationDocument.decode(try #require(routing.notifications.first).payload)
        #expect(document.message.title.contains("While muted by silence 4: 2 event(s) of Failed"), "\(document.message.title)")
        #expect(routing.summarizedSilences == [4])
        let again = router.route([], at: t0, throttle: [:], openAlerts: [], scheduled: scheduled)
        #expect(again.notifications.map(\.idempotencyKey) == routing.notifications.map(\.idempotencyKey))
    }

    @Test func everyMatchMutedMeansNoMessageAtAll() {
        let router = NotificationRouter(rules: [Fixtures.rule()], channelKinds: ["ops": .slack])
        let routing = router.route(
            [event("p1", account: "acc_1")], at: t0, throttle: [:], openAlerts: [], silences: [silence(1, "platform = tiktok")])
        #expect(routing.notifications.isEmpty && routing.silenced.count == 1)
    }

    @Test func pendingExpiredAndBrokenSilencesMuteNothing() throws {
        let router = NotificationRouter(rules: [Fixtures.rule()], channelKinds: ["ops": .slack])
        let silences = [
            silence(1, #"accountId = "acc_1""#, from: 60),  // starts later
            silence(2, #"accountId = "acc_1""#, from: -3_600, until: 0),  // ended at t0 (end excluded)
            silence(3, #"acountId = "acc_1""#),  // no longer compiles: mutes nothing rather than everything
        ]
        let routing = router.route([event("p1", account: "acc_1")], at: t0, throttle: [:], openAlerts: [], silences: silences)
        #expect(try notified(routing) == ["Failed": ["p1"]])
        #expect(routing.silenced.isEmpty)
    }

    @Test func theFirstMatchingSilenceByIdIsTheOneRecorded() {
        let router = NotificationRouter(rules: [Fixtures.rule()], channelKinds: ["ops": .slack])
        let routing = router.route(
            [event("p1", account: "acc_1")], at: t0, throttle: [:], openAlerts: [],
            silences: [silence(7, "platform = tiktok"), silence(4, #"accountId = "acc_1""#), silence(2, "platform = instagram")])
        #expect(routing.silenced.map(\.silenceId) == [4])
    }

    /// A muted trigger opens no alert (nothing went out to resolve); an alert opened before the
    /// silence is still resolved when the post recovers: a resolving event is no match to mute.
    @Test func mutedTriggersOpenNothingAndEarlierAlertsStillResolve() throws {
        let rule = Fixtures.rule(channels: ["oncall"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["oncall": .pagerduty])
        let muting = [silence(1, #"accountId = "acc_1""#)]
        let trigger = router.route([event("p1", account: "acc_1")], at: t0, throttle: [:], openAlerts: [], silences: muting)
        #expect(trigger.openedAlerts.isEmpty && trigger.notifications.isEmpty)

        let opened = OpenAlert(rule: "Failed", postId: "p1", channel: "oncall")
        var posted = event("p1", account: "acc_1", to: "posted")
        posted.cycle = 5
        let resolve = router.route([posted], at: t0, throttle: [:], openAlerts: [opened], silences: muting)
        #expect(resolve.closedAlerts == [opened])
        #expect(try resolve.notifications.map { try NotificationDocument.decode($0.payload).action } == [.resolve])
        #expect(resolve.silenced.isEmpty)
    }

    /// A muted event is not held by the throttle either: it is recorded once, now, not sent later.
    @Test func mutedEventsAreNotHeldByTheThrottle() {
        let rule = Fixtures.rule(throttle: .seconds(600))
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack])
        let key = ThrottleKey(rule: "Failed", group: "")
        let state = [key: ThrottleState(lastSentAt: t0.addingTimeInterval(-60))]
        let routing = router.route(
            [event("p1", account: "acc_1"), event("p2", account: "acc_2")], at: t0, throttle: state, openAlerts: [],
            silences: [silence(1, #"accountId = "acc_1""#)])
        let held = routing.throttle[key].flatMap { $0 }?.held.map(\.post.postId)
        #expect(held == ["p2"])
        #expect(routing.silenced.map(\.event.post.postId) == ["p1"])
    }

    /// Generated events and silences against a model written apart (Swift conditions, not the
    /// rule language): every match is either notified or muted by the model's first silence.
    @Test(arguments: 0..<40)
    func mutingAgreesWithAModel(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let accounts = ["acc_1", "acc_2", "acc_3"]
        let platforms: [Platform] = [.tiktok, .instagram]
        let conditions: [(text: String, holds: (Event) -> Bool)] = [
            (#"accountId = "acc_1""#, { $0.post.accountId == "acc_1" }),
            ("platform = tiktok", { $0.post.platform == .tiktok }),
            (#"accountId = "acc_2" and platform = instagram"#, { $0.post.accountId == "acc_2" && $0.post.platform == .instagram }),
            (#"to = posted or accountId = "acc_3""#, { $0.to == "posted" || $0.post.accountId == "acc_3" }),
        ]
        let events = (0..<(1 + random.next(upTo: 12))).map { index -> Event in
            var event = event("p\(index)", account: accounts[random.next(upTo: 3)], to: random.next(upTo: 2) == 0 ? "failed" : "posted")
            event.post.platform = platforms[random.next(upTo: 2)]
            return event
        }
        var silences: [(silence: Silence, holds: (Event) -> Bool)] = []
        for id in 1...Int64(random.next(upTo: 4)) + 1 where random.next(upTo: 3) > 0 {
            let condition = conditions[random.next(upTo: conditions.count)]
            // Started or not yet, over or not yet, around the routing's time.
            let start = TimeInterval(random.next(upTo: 3) - 1) * 600
            let end = start + TimeInterval(1 + random.next(upTo: 2)) * 300
            silences.append((silence(id, condition.text, from: start, until: end), condition.holds))
        }
        let rules = [Fixtures.rule("Failed"), Fixtures.rule("Posted", when: "posted")]
        let routing = NotificationRouter(rules: rules, channelKinds: ["ops": .slack])
            .route(events, at: t0, throttle: [:], openAlerts: [], silences: silences.map(\.silence).reversed())

        var expectedMuted: [SilencedEvent] = []
        var expectedNotified: [String: [String]] = [:]
        for rule in rules {
            for event in events where event.to == (rule.name == "Failed" ? "failed" : "posted") {
                let active = silences.filter { t0 >= $0.silence.startsAt && t0 < $0.silence.endsAt && $0.holds(event) }
                if let first = active.min(by: { $0.silence.id < $1.silence.id }) {
                    expectedMuted.append(SilencedEvent(rule: rule.name, silenceId: first.silence.id, event: event))
                } else {
                    expectedNotified[rule.name, default: []].append(event.post.postId)
                }
            }
        }
        #expect(routing.silenced == expectedMuted, "seed \(seed)")
        #expect(try notified(routing) == expectedNotified, "seed \(seed)")
        #expect(routing.fired == events.map { [$0.to == "failed" ? "Failed" : "Posted"] }, "seed \(seed)")
    }
}
