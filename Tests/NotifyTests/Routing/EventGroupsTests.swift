import Foundation
import Testing
import Watch

@testable import Notify

/// Routing, stage 2: one message per rule and group key.
@Suite struct EventGroupsTests {
    @Test func eventsAreGroupedByTheValuesOfTheFields() {
        let events = [
            Fixtures.event("p1", account: "b"), Fixtures.event("p2", account: "a"), Fixtures.event("p3", account: "b"),
        ]
        let groups = EventGroups.grouped(events, by: ["accountId", "platform"])
        #expect(groups.keys.sorted() == ["accountId=a,platform=tiktok", "accountId=b,platform=tiktok"])
        #expect(groups["accountId=b,platform=tiktok"]?.map(\.post.postId) == ["p1", "p3"])
    }

    @Test func withoutGroupByEveryEventIsInOneGroup() {
        let groups = EventGroups.grouped([Fixtures.event("p1"), Fixtures.event("p2", account: "x")], by: [])
        #expect(groups.keys.sorted() == [""])
        #expect(groups[""]?.count == 2)
    }

    @Test func theValuesOfAMessageComeFromItsFirstEvent() {
        let values = EventGroups.values(["accountId", "to", "platform"], of: [Fixtures.event("p1", account: "a")])
        #expect(values.map(\.field) == ["accountId", "to", "platform"])
        #expect(values.map(\.value) == ["a", "failed", "tiktok"])
        #expect(EventGroups.values(["accountId"], of: []).isEmpty)
        #expect(EventGroups.value("nonsense", of: Fixtures.event()) == "")
        // Times, durations and numbers are not groupable: no value rather than a made-up one.
        #expect(EventGroups.value("scheduledTime", of: Fixtures.event()) == "")
    }
}
