import Foundation
import Synchronization
import Testing
import Rules
import Watch

@testable import Notify
@testable import Rules

@Suite struct RouterTests {
    static func failedRule(throttle: Duration? = nil, groupBy: [String] = [], channels: [String] = ["ops"]) -> Rule {
        Fixtures.rule("Failed", severity: .critical, when: "failed", channels: channels, groupBy: groupBy, throttle: throttle)
    }

    let kinds: [String: ChannelKind] = ["ops": .slack, "audit": .webhook, "mail": .email]

    func documents(_ routing: Routing) throws -> [NotificationDocument] {
        try routing.notifications.map { try NotificationDocument.decode($0.payload) }
    }

    @Test func oneMessagePerRulePerCycleByDefault() throws {
        let router = NotificationRouter(rules: [Self.failedRule(channels: ["ops", "audit"])], channelKinds: kinds)
        let events = [Fixtures.event("p1"), Fixtures.event("p2", account: "acc_2"), Fixtures.event("p3", to: "posted")]
        let routing = router.route(events, at: Fixtures.t0, throttle: [:])
        #expect(routing.notifications.map(\.channel) == ["ops", "audit"])
        let docs = try documents(routing)
        #expect(docs.map { $0.events.map(\.post.postId) } == [["p1", "p2"], ["p1", "p2"]])
        #expect(docs[0].message.format == .slack)
        #expect(docs[1].message.format == .plain)
        #expect(routing.throttle.isEmpty)
        // One key per channel.
        #expect(Set(routing.notifications.map(\.idempotencyKey)).count == 2)
    }

    /// Every field `rules lint` accepts after `group by` has a value to key and title a
    /// message by (an unhandled one fell through to "" and put every post in one group), and
    /// the fields it refuses are exactly the ones without a text value.
    @Test func everyFieldLintAcceptsForGroupByHasAValue() {
        let event = Fixtures.event("post_g1", account: "acc_g1")
        let groupable = Field.allCases.filter(\.isGroupable)
        for field in groupable {
            #expect(!EventGroups.value(field.rawValue, of: event).isEmpty, "group by \(field.rawValue)")
        }
        #expect(
            Set(Field.allCases.filter { !$0.isGroupable }.map(\.rawValue))
                == ["scheduledTime", "postedAt", "createdAt", "delay", "age", "slides"])
    }

    @Test func groupBySplitsTheMessage() throws {
        let router = NotificationRouter(rules: [Self.failedRule(groupBy: ["accountId"])], channelKinds: kinds)
        let events = [Fixtures.event("p1", account: "b"), Fixtures.event("p2", account: "a"), Fixtures.event("p3", account: "b")]
        let docs = try documents(router.route(events, at: Fixtures.t0, throttle: [:]))
        #expect(docs.map(\.groupKey) == ["accountId=a", "accountId=b"])
        #expect(docs.map(\.group) == [["accountId": "a"], ["accountId": "b"]])
        #expect(docs[1].events.map(\.post.postId) == ["p1", "p3"])
        #expect(docs[1].message.title.contains("(accountId b)"))
    }

    @Test func noEventsNoMessages() {
        let router = NotificationRouter(rules: [Self.failedRule()], channelKinds: kinds)
        let routing = router.route([], at: Fixtures.t0, throttle: [:])
        #expect(routing.notifications.isEmpty && routing.throttle.isEmpty)
    }

    @Test func theIdempotencyKeyIsTheSameWhenTheCycleIsRunAgain() {
        let router = NotificationRouter(rules: [Self.failedRule()], channelKinds: kinds)
        let events = [Fixtures.event("p1"), Fixtures.event("p2")]
        let first = router.route(events, at: Fixtures.t0, throttle: [:])
        let again = router.route(events.reversed(), at: Fixtures.t0.addingTimeInterval(30), throttle: [:])
        #expect(first.notifications.map(\.idempotencyKey) == again.notifications.map(\.idempotencyKey))
        let other = router.route([Fixtures.event("p1")], at: Fixtures.t0, throttle: [:])
        #expect(other.notifications[0].idempotencyKey != first.notifications[0].idempotencyKey)
    }

    /// Issue 11, defect 1: the same transition of the same post in a later cycle is another
    /// occurrence: another key, and held with the first one, both are in the message.
    @Test func aRepeatedTransitionInALaterCycleIsAnotherOccurrence() throws {
        func failure(cycle: Int64) -> Event {
            var event = Fixtures.event("p1")
            event.cycle = cycle
            return event
        }
        let router = NotificationRouter(rules: [Self.failedRule()], channelKinds: kinds)
        let first = router.route([failure(cycle: 3)], at: Fixtures.t0, throttle: [:])
        let rerun = router.route([failure(cycle: 3)], at: Fixtures.t0.addingTimeInterval(5), throttle: [:])
        let repeated = router.route([failure(cycle: 5)], at: Fixtures.t0, throttle: [:])
        #expect(first.notifications[0].idempotencyKey == rerun.notifications[0].idempotencyKey)
        #expect(first.notifications[0].idempotencyKey != repeated.notifications[0].idempotencyKey)

        let throttled = NotificationRouter(rules: [Self.failedRule(throttle: .seconds(900))], channelKinds: kinds)
        let key = ThrottleKey(rule: "Failed", group: "")
        let held = [key: ThrottleState(lastSentAt: Fixtures.t0.addingTimeInterval(-1_000), held: [failure(cycle: 3)])]
        let docs = try documents(throttled.route([failure(cycle: 5)], at: Fixtures.t0, throttle: held))
        #expect(docs.map { $0.events.compactMap(\.cycle) } == [[3, 5]])
    }

    @Test func throttledEventsAreHeldAndArriveInTheNextMessage() throws {
        let router = NotificationRouter(rules: [Self.failedRule(throttle: .seconds(900))], channelKinds: kinds)
        let key = ThrottleKey(rule: "Failed", group: "")
        var state: [ThrottleKey: ThrottleState] = [:]
        func apply(_ routing: Routing) {
            for (key, value) in routing.throttle {
                if let value { state[key] = value } else { state.removeValue(forKey: key) }
            }
        }
        // First message goes out at once.
        let t0 = Fixtures.t0
        var routing = router.route([Fixtures.event("p1")], at: t0, throttle: state)
        #expect(try documents(routing).map { $0.events.count } == [1])
        apply(routing)
        #expect(state[key]?.lastSentAt == t0)

        // Inside the window: held, nothing sent.
        routing = router.route([Fixtures.event("p2", detectedAt: t0.addingTimeInterval(60))], at: t0.addingTimeInterval(60), throttle: state)
        #expect(routing.notifications.isEmpty)
        apply(routing)
        routing = router.route([Fixtures.event("p3", detectedAt: t0.addingTimeInterval(120))], at: t0.addingTimeInterval(120), throttle: state)
        apply(routing)
        #expect(state[key]?.held.map(\.post.postId) == ["p2", "p3"])
        #expect(state[key]?.heldSince == t0.addingTimeInterval(60))

        // A cycle without events after the window: the held ones go out, saying so.
        routing = router.route([], at: t0.addingTimeInterval(901), throttle: state)
        let docs = try documents(routing)
        #expect(docs.count == 1)
        #expect(docs[0].events.map(\.post.postId) == ["p2", "p3"])
        #expect(docs[0].suppressed == .init(count: 2, since: t0.addingTimeInterval(60)))
        #expect(docs[0].message.body.contains("Includes 2 event(s) held back"))
        apply(routing)
        #expect(state[key] == ThrottleState(lastSentAt: t0.addingTimeInterval(901)))

        // Window passes with nothing new: the key is forgotten.
        routing = router.route([], at: t0.addingTimeInterval(2_000), throttle: state)
        #expect(routing.notifications.isEmpty)
        #expect(routing.throttle.keys.contains(key) && routing.throttle[key]! == nil)
    }

    @Test func throttleIsPerGroup() throws {
        let router = NotificationRouter(rules: [Self.failedRule(throttle: .seconds(900), groupBy: ["accountId"])], channelKinds: kinds)
        let state: [ThrottleKey: ThrottleState] = [ThrottleKey(rule: "Failed", group: "accountId=a"): ThrottleState(lastSentAt: Fixtures.t0)]
        let routing = router.route([Fixtures.event("p1", account: "a"), Fixtures.event("p2", account: "b")], at: Fixtures.t0.addingTimeInterval(10), throttle: state)
        #expect(try documents(routing).map(\.groupKey) == ["accountId=b"])
        #expect(routing.throttle[ThrottleKey(rule: "Failed", group: "accountId=a")]??.held.count == 1)
    }

    @Test func stateOfARemovedRuleIsDeleted() {
        let router = NotificationRouter(rules: [Self.failedRule()], channelKinds: kinds)
        let gone = ThrottleKey(rule: "Gone", group: "")
        let routing = router.route([], at: Fixtures.t0, throttle: [gone: ThrottleState(lastSentAt: Fixtures.t0)])
        #expect(routing.throttle.keys.contains(gone))
    }

    /// `fired` is what matched, not what was sent: a rule whose events its throttle holds back
    /// this cycle has still fired for them (the check report and the metrics count it so).
    @Test func firedListsTheMatchingRulesPerEventInRuleOrderHeldOrNot() throws {
        let evaluations = Mutex([String: Int]())
        // Every event below passes the triggers: the `where` closure counts the evaluations.
        let anyStatus: [Trigger] = ["failed", "posted", "generated"].map { .transition(from: nil, to: $0) }
        func rule(_ name: String, throttle: Duration? = nil, _ matches: @escaping @Sendable (RuleSubject) -> Bool) -> Rule {
            Rule(name: name, triggers: anyStatus, channels: ["ops"], throttle: throttle) { subject in
                evaluations.withLock { $0[name, default: 0] += 1 }
                return matches(subject)
            }
        }
        // Not in name order, so that rule order is what is checked.
        let router = NotificationRouter(
            rules: [
                rule("OnAccountA") { $0.accountId == "a" },
                rule("Posted") { $0.to == "posted" },
                rule("Failed", throttle: .seconds(900)) { $0.to == "failed" },
                rule("Never") { _ in false },
            ],
            channelKinds: kinds)
        let events = [
            Fixtures.event("p1", to: "failed", account: "a"),
            Fixtures.event("p2", to: "posted", account: "b"),
            Fixtures.event("p3", to: "generated", account: "b"),
            Fixtures.event("p4", to: "failed", account: "b"),
        ]
        // `Failed` sent a message a minute ago: its window is closed and it holds what it matches.
        let failedKey = ThrottleKey(rule: "Failed", group: "")
        let routing = router.route(
            events, at: Fixtures.t0.addingTimeInterval(60), throttle: [failedKey: ThrottleState(lastSentAt: Fixtures.t0)])

        #expect(routing.fired == [["OnAccountA", "Failed"], ["Posted"], [], ["Failed"]])
        #expect(!routing.notifications.map(\.rule).contains("Failed"))
        #expect(routing.throttle[failedKey]??.held.map(\.post.postId) == ["p1", "p4"])
        // One evaluation per rule and event: `fired` comes from the matches the messages use.
        #expect(evaluations.withLock { $0 } == ["OnAccountA": 4, "Posted": 4, "Failed": 4, "Never": 4])

        #expect(router.route([], at: Fixtures.t0, throttle: [:]).fired == [])
    }

    @Test func overdueThresholdsAreUniqueAndSorted() {
        #expect(NotificationRouter(rules: [], channelKinds: [:], overdueThresholds: [1800, 60, 1800]).overdueThresholds == [60, 1800])
    }
}
