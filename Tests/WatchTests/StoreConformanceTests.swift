import Foundation
import Infinipost
import Testing
@testable import Watch

/// The ``Store`` contract, cycles and state: what every backend does, run once per
/// ``StoreFactory`` (the outbox: `OutboxConformanceTests`; retention: `PruneConformanceTests`).
@Suite struct StoreConformanceTests {
    @Test(arguments: StoreFactory.all)
    func anEmptyStoreHoldsNothingAndHasNoBaseline(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let state = try await store.loadState()
        #expect(state.posts.isEmpty && state.overdueMarkers.isEmpty && state.throttle.isEmpty)
        #expect(!state.hasBaseline)
        #expect(state.cyclesRecorded == 0)
        #expect(state.sweepAccounts.isEmpty && !state.hasUndocumentedFilterValues)
        #expect(try await store.cycles(limit: 10).isEmpty)
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
        #expect(try await store.storedPosts(ids: ["p"]).isEmpty)
        #expect(try await store.stagedCount() == 0)
        #expect(try await store.stagedPosts(scheduledFrom: .distantPast).isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func stateSurvivesReopeningAndThrottleRoundTrips(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let store = opened.store
        var commit = Fixture.cycle(.baseline)
        let post = Fixture.post("p", .failed)
        commit.upserts = [PostWrite(post: post, fingerprint: PostFingerprint.of(post))]
        commit.newMarkers = [OverdueMarker(postId: "p", seconds: 60)]
        let key = ThrottleKey(rule: "r", group: "acc_1")
        commit.throttle = [key: ThrottleState(lastSentAt: Fixture.t0)]
        try await store.commit(commit)

        let reopened = try opened.reopen()
        let state = try await reopened.loadState()
        #expect(state.hasBaseline)
        #expect(state.posts["p"] == StoredPost(status: "failed", fingerprint: PostFingerprint.of(post), misses: 0))
        #expect(state.overdueMarkers == [OverdueMarker(postId: "p", seconds: 60)])
        #expect(state.throttle[key]?.lastSentAt == Fixture.t0)
        #expect(try await reopened.storedPosts(ids: ["p", "q"]) == ["p": post])

        var drop = Fixture.cycle()
        drop.throttle = [key: ThrottleState?.none]
        try await reopened.commit(drop)
        #expect(try await reopened.loadState().throttle.isEmpty)
    }

    /// Held events are part of the throttle state: they go into the next message.
    @Test(arguments: StoreFactory.all)
    func throttleStateKeepsItsHeldEvents(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let key = ThrottleKey(rule: "r", group: "accountId=acc_1")
        let held = ThrottleState(lastSentAt: Fixture.t0, held: [Fixture.event("p")], heldSince: Fixture.t0.addingTimeInterval(5))
        var commit = Fixture.cycle()
        commit.throttle = [key: held, ThrottleKey(rule: "r", group: "other"): ThrottleState(lastSentAt: Fixture.t0)]
        try await store.commit(commit)
        var update = Fixture.cycle()
        update.throttle = [key: ThrottleState(lastSentAt: Fixture.t0.addingTimeInterval(900))]
        try await store.commit(update)
        #expect(try await store.loadState().throttle[key] == ThrottleState(lastSentAt: Fixture.t0.addingTimeInterval(900)))
        var first = Fixture.cycle()
        first.throttle = [key: held]
        try await store.commit(first)
        let state = try await store.loadState()
        #expect(state.throttle[key] == held)
        #expect(state.throttle.count == 2)
    }

    @Test(arguments: StoreFactory.all)
    func aCommitAppliesUpsertsMissesAndDeletions(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        var baseline = Fixture.cycle(.baseline)
        baseline.upserts = ["p", "q", "r"].map { Fixture.write(Fixture.post($0)) }
        baseline.newMarkers = [OverdueMarker(postId: "r", seconds: 600)]
        try await store.commit(baseline)

        var next = Fixture.cycle(at: Fixture.t0.addingTimeInterval(60))
        let changed = Fixture.post("p", .posted)
        next.upserts = [Fixture.write(changed)]
        next.misses = ["q": 1]
        next.deletions = ["r"]
        try await store.commit(next)
        var state = try await store.loadState()
        #expect(state.posts.count == 2)
        #expect(state.posts["p"] == StoredPost(status: "posted", fingerprint: PostFingerprint.of(changed), misses: 0))
        #expect(state.posts["q"]?.misses == 1)
        #expect(state.posts["r"] == nil)
        #expect(state.overdueMarkers.isEmpty, "a deleted post's markers go with it")
        #expect(try await store.storedPosts(ids: ["p", "r"]) == ["p": changed])

        // Seen again: the miss is forgotten.
        var back = Fixture.cycle(at: Fixture.t0.addingTimeInterval(120))
        back.misses = ["q": 0]
        try await store.commit(back)
        state = try await store.loadState()
        #expect(state.posts["q"]?.misses == 0)
    }

    /// Accounts with a post the partitioned listings may not show are swept unfiltered.
    @Test(arguments: StoreFactory.all)
    func missedPostsAndUndocumentedValuesNameTheirAccounts(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        var baseline = Fixture.cycle(.baseline)
        baseline.upserts = [
            Fixture.write(Fixture.post("plain", account: "acc_plain")),
            Fixture.write(Fixture.post("missed", account: "acc_missed")),
            Fixture.write(Fixture.post("archived", PostStatus(rawValue: "archived"), account: "acc_status")),
        ]
        try await store.commit(baseline)
        var missed = Fixture.cycle()
        missed.misses = ["missed": 1]
        try await store.commit(missed)
        var state = try await store.loadState()
        #expect(state.sweepAccounts == ["acc_missed", "acc_status"])
        #expect(!state.hasUndocumentedFilterValues, "a status is still listed by the unfiltered sweep")

        var newPlatform = Fixture.cycle()
        newPlatform.upserts = [Fixture.write(Fixture.post("future", account: "acc_new", platform: Platform(rawValue: "myspace")))]
        try await store.commit(newPlatform)
        state = try await store.loadState()
        #expect(state.sweepAccounts == ["acc_missed", "acc_status", "acc_new"])
        #expect(state.hasUndocumentedFilterValues)
    }

    /// Only what changed is written; the count says so (the poller reports it).
    @Test(arguments: StoreFactory.all)
    func aCommitCountsTheRowsItWrote(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.commit(Fixture.cycle()) == 1, "an unchanged snapshot writes its cycle row only")
        var commit = Fixture.cycle()
        commit.upserts = [Fixture.write(Fixture.post("p")), Fixture.write(Fixture.post("q"))]
        commit.events = [Fixture.event("p")]
        commit.notifications = [Fixture.draft("k1")]
        #expect(try await store.commit(commit) == 5)
        var again = Fixture.cycle()
        again.notifications = [Fixture.draft("k1")]
        #expect(try await store.commit(again) == 1, "a notification already queued is not written again")
    }

    /// Events carry `cyclesRecorded + 1` into their idempotency keys before the commit: the
    /// cycle a commit records must get that id, failed cycles counting too.
    @Test(arguments: StoreFactory.all)
    func cycleIdsCountEveryCycleRecorded(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let t0 = Fixture.t0
        try await store.recordFailedCycle(CycleRecord(
            startedAt: t0, endedAt: t0.addingTimeInterval(2), result: .failed, error: "API: 503", listings: 3))
        var state = try await store.loadState()
        #expect(state.cyclesRecorded == 1)
        #expect(!state.hasBaseline, "a failed cycle is no baseline")
        try await store.commit(CycleCommit(cycle: CycleRecord(
            startedAt: t0.addingTimeInterval(60), endedAt: t0.addingTimeInterval(61), result: .baseline,
            posts: 10, events: 2, notifications: 1, listings: 4)))
        try await store.commit(Fixture.cycle(at: t0.addingTimeInterval(120)))
        state = try await store.loadState()
        #expect(state.cyclesRecorded == 3)
        #expect(state.hasBaseline)

        let cycles = try await store.cycles(limit: 10)
        #expect(cycles.map(\.id) == [3, 2, 1])
        #expect(cycles.map(\.result) == [.complete, .baseline, .failed])
        #expect(cycles[1] == CycleRecord(
            id: 2, startedAt: t0.addingTimeInterval(60), endedAt: t0.addingTimeInterval(61), result: .baseline,
            posts: 10, events: 2, notifications: 1, listings: 4))
        #expect(cycles[2].error == "API: 503" && cycles[2].listings == 3)
        #expect(try await store.cycles(limit: 1).map(\.id) == [3])
    }

    @Test(arguments: StoreFactory.all)
    func eventsAreRecordedWithTheirCycleOldestFirst(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await store.commit(Fixture.cycle(.baseline))
        let at = Fixture.t0.addingTimeInterval(60)
        let events = [
            Fixture.event("a", "pending_render", .failed, at: at),
            Event(kind: .overdue, from: "generated", to: "generated", overdueSeconds: 1800, post: Fixture.post("b"), detectedAt: at),
            Event(kind: .deleted, from: "posted", to: Event.deletedStatus, post: Fixture.post("c", .posted), detectedAt: at),
        ]
        var commit = Fixture.cycle(at: at)
        commit.events = events
        try await store.commit(commit)

        let stored = try await store.events(after: 0, limit: 10)
        #expect(stored.map(\.event) == events)
        #expect(stored.map(\.cycleId) == [2, 2, 2])
        #expect(stored.map(\.id) == stored.map(\.id).sorted())
        #expect(try await store.events(after: stored[0].id, limit: 1).map(\.event) == [events[1]])
        #expect(try await store.events(after: stored[2].id, limit: 10).isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func anOverdueMarkerIsKeptOnce(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        var commit = Fixture.cycle(.baseline)
        commit.upserts = [Fixture.write(Fixture.post("p"))]
        commit.newMarkers = [OverdueMarker(postId: "p", seconds: 600)]
        try await store.commit(commit)
        var again = Fixture.cycle()
        again.newMarkers = [OverdueMarker(postId: "p", seconds: 600), OverdueMarker(postId: "p", seconds: 1800)]
        try await store.commit(again)
        #expect(try await store.loadState().overdueMarkers == [
            OverdueMarker(postId: "p", seconds: 600), OverdueMarker(postId: "p", seconds: 1800),
        ])
    }
}
