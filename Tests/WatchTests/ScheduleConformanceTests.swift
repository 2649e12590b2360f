import Foundation
import Testing
@testable import Watch

/// The digest and reminder contract (``Store/scheduledState()``, ``CycleCommit/digestsSent``,
/// ``CycleCommit/digestEntries``, ``CycleCommit/reminders``) as every store keeps it, run once
/// per ``StoreFactory``.
@Suite struct ScheduleConformanceTests {
    func event(_ id: String, cycle: Int64, at offset: TimeInterval = 0) -> Event {
        var event = Fixture.event(id, at: Fixture.t0.addingTimeInterval(offset))
        event.cycle = cycle
        return event
    }

    @Test(arguments: StoreFactory.all)
    func collectedEventsComeBackByRuleAndGroupInOrderOnce(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.scheduledState() == ScheduledState())
        let (a, b, c) = (event("p1", cycle: 1), event("p2", cycle: 1, at: 1), event("p3", cycle: 1, at: 2))
        var commit = Fixture.cycle()
        commit.digestEntries = [
            DigestEntry(rule: "Digest", groupKey: "accountId=a", event: a),
            DigestEntry(rule: "Digest", groupKey: "accountId=b", event: b),
            DigestEntry(rule: "Digest", groupKey: "accountId=a", event: c),
            // A cycle re-run after a crash collects the same event again: kept once.
            DigestEntry(rule: "Digest", groupKey: "accountId=a", event: a),
            DigestEntry(rule: "Other", groupKey: "", event: a),
        ]
        commit.digestsSent = ["Other": Fixture.t0]
        try await store.commit(commit)
        let state = try await store.scheduledState()
        #expect(state.digests["Digest"] == ["accountId=a": [a, c], "accountId=b": [b]])
        #expect(state.digests["Other"] == ["": [a]], "entries are added after the sent ones are cleared")
        #expect(state.digestsSentAt == ["Other": Fixture.t0])
    }

    @Test(arguments: StoreFactory.all)
    func aSentDigestClearsItsRuleOnlyAndKeepsItsTimeAcrossARestart(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        var first = Fixture.cycle()
        first.digestEntries = [
            DigestEntry(rule: "Digest", groupKey: "", event: event("p1", cycle: 1)),
            DigestEntry(rule: "Other", groupKey: "", event: event("p2", cycle: 1)),
        ]
        try await opened.store.commit(first)
        var second = Fixture.cycle(at: Fixture.t0.addingTimeInterval(3600))
        let nine = Fixture.t0.addingTimeInterval(3000)
        second.digestsSent = ["Digest": nine]
        try await opened.store.commit(second)
        let reopened = try opened.reopen()
        let state = try await reopened.scheduledState()
        #expect(state.digests["Digest"] == nil)
        #expect(state.digests["Other"]?[""]?.map(\.post.postId) == ["p2"])
        #expect(state.digestsSentAt == ["Digest": nine])
    }

    @Test(arguments: StoreFactory.all)
    func remindersAreWrittenUpdatedAndDeleted(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let key = ReminderKey(rule: "Failed", postId: "p1")
        let other = ReminderKey(rule: "Failed", postId: "p2")
        var reminder = Reminder(event: event("p1", cycle: 1), groupKey: "", since: Fixture.t0, lastNotifiedAt: Fixture.t0)
        var first = Fixture.cycle()
        first.reminders = [key: reminder, other: reminder]
        try await opened.store.commit(first)
        #expect(try await opened.store.scheduledState().reminders == [key: reminder, other: reminder])
        reminder.count = 3
        reminder.lastNotifiedAt = Fixture.t0.addingTimeInterval(7200)
        var second = Fixture.cycle(at: Fixture.t0.addingTimeInterval(7200))
        second.reminders = [key: reminder, other: Reminder?.none]
        try await opened.store.commit(second)
        #expect(try await opened.reopen().scheduledState().reminders == [key: reminder])
    }

    /// The last complete cycle's start (a window's notice compares with it); a failed cycle
    /// applied nothing and does not count.
    @Test(arguments: StoreFactory.all)
    func theLastCompleteCycleIsKnown(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.scheduledState().lastCycleAt == nil)
        try await store.commit(Fixture.cycle(.baseline))
        try await store.commit(Fixture.cycle(at: Fixture.t0.addingTimeInterval(60)))
        try await store.recordFailedCycle(CycleRecord(
            startedAt: Fixture.t0.addingTimeInterval(120), endedAt: Fixture.t0.addingTimeInterval(120), result: .failed))
        #expect(try await store.scheduledState().lastCycleAt == Fixture.t0.addingTimeInterval(60))
    }

    /// Collected events and reminders are state, not history: retention leaves them.
    @Test(arguments: StoreFactory.all)
    func pruningKeepsDigestsAndReminders(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        var commit = Fixture.cycle()
        commit.digestEntries = [DigestEntry(rule: "Digest", groupKey: "", event: event("p1", cycle: 1))]
        commit.reminders = [ReminderKey(rule: "Failed", postId: "p1"): Reminder(
            event: event("p1", cycle: 1), groupKey: "", since: Fixture.t0, lastNotifiedAt: Fixture.t0)]
        try await store.commit(commit)
        let before = try await store.scheduledState()
        try await store.commit(Fixture.cycle(at: Fixture.t0.addingTimeInterval(86_400 * 60)))
        _ = try await store.prune(before: Fixture.t0.addingTimeInterval(86_400 * 30), batchSize: 100, maxBatches: 10)
        let after = try await store.scheduledState()
        #expect(after.digests == before.digests && after.reminders == before.reminders)
    }
}
