import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Routing, stage 1: which events each rule fires for.
@Suite struct RuleMatchesTests {
    @Test func eachRuleListsTheEventsItMatchesInEventOrder() {
        let failed = Fixtures.rule("Failed", when: "failed")
        let posted = Fixtures.rule("Posted", when: "posted")
        let events = [Fixtures.event("p1"), Fixtures.event("p2", to: "posted"), Fixtures.event("p3")]
        let matches = RuleMatches(rules: [failed, posted], events: events)
        #expect(matches.indices == [[0, 2], [1]])
        #expect(matches.fired([failed, posted], eventCount: 3) == [["Failed"], ["Posted"], ["Failed"]])
    }

    @Test func theRuleReadsTheEventThroughItsSubject() {
        let rule = Fixtures.rule("Acc", when: "failed", extra: "  where accountId = \"acc_b\" and age > 1h\n")
        let events = [Fixtures.event("p1", account: "acc_a"), Fixtures.event("p2", account: "acc_b")]
        #expect(RuleMatches(rules: [rule], events: events).indices == [[1]])
    }

    @Test func theSubjectOfAnEventCarriesItsPostAndDetectionTime() {
        let event = Fixtures.event("p1", from: "generated", to: "generated", kind: .overdue)
        let subject = RuleSubject(event: event)
        #expect(subject.kind == .overdue && subject.overdueSeconds == 1_800)
        #expect(subject.postId == "p1" && subject.platform == "tiktok" && subject.status == "generated")
        #expect(subject.now == event.detectedAt && subject.slides == 1)
        #expect(RuleSubject(event: Fixtures.event(kind: .deleted)).kind == .deleted)
    }

    @Test func noRulesOrNoEventsMatchNothing() {
        #expect(RuleMatches(rules: [], events: [Fixtures.event()]).fired([], eventCount: 1) == [[]])
        #expect(RuleMatches(rules: [Fixtures.rule()], events: []).indices == [[]])
    }
}
