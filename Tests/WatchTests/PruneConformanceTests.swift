import Foundation
import Logging
import Testing
@testable import Watch

/// Issue 11, "Retention", as every store keeps it: `prune` removes the history older than the
/// cutoff, in batches, and nothing else. Run once per ``StoreFactory``; the SQL itself (random
/// histories, index use) is tested in `RetentionTests`.
@Suite struct PruneConformanceTests {
    static let now = Fixture.t0

    static func hoursAgo(_ hours: Int) -> Date {
        now.addingTimeInterval(-Double(hours) * 3600)
    }

    /// One commit holding `count` events detected at `detectedAt`.
    func commitEvents(_ count: Int, detectedAt: Date, into store: any Store) async throws {
        var commit = Fixture.cycle(at: detectedAt)
        commit.events = (0..<count).map { Fixture.event("post_\($0)", at: detectedAt) }
        try await store.commit(commit)
    }

    @Test(arguments: StoreFactory.all)
    func theNewestCycleAndTheNewestCompleteOneSurviveHoweverOld(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        var commit = Fixture.cycle(.baseline, at: Self.now.addingTimeInterval(-90 * 86_400))
        commit.upserts = [PostWrite(post: Fixture.post("p"), fingerprint: 1)]
        try await store.commit(commit)
        for day in [80, 70, 60] {
            try await store.commit(Fixture.cycle(at: Self.now.addingTimeInterval(-Double(day) * 86_400)))
        }
        // The API was down for longer than the retention: only failed cycles since.
        for day in [50, 40] {
            let at = Self.now.addingTimeInterval(-Double(day) * 86_400)
            try await store.recordFailedCycle(CycleRecord(startedAt: at, endedAt: at, result: .failed))
        }
        let before = try await store.loadState()
        #expect(before.cyclesRecorded == 6 && before.hasBaseline)

        let report = try await store.prune(before: Self.now, batchSize: 500, maxBatches: 10)

        #expect(report.cycles == 4)
        #expect(try await store.cycles(limit: 10).map(\.id) == [6, 4])
        let after = try await store.loadState()
        #expect(after.cyclesRecorded == 6, "the cycle count is MAX(id): the newest row stays")
        #expect(after.hasBaseline, "a cycle after the outage is not a second baseline")
        #expect(after.posts.count == 1)
    }

    @Test(arguments: StoreFactory.all)
    func pendingEntriesSurviveHoweverOldAndDeadOnesCountFromTheirDeath(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let created = Self.now.addingTimeInterval(-100 * 86_400)
        var commit = Fixture.cycle(at: created)
        commit.notifications = ["pending", "died-long-ago", "died-recently", "delivered"].map { Fixture.draft($0) }
        try await store.commit(commit)
        let ids = Dictionary(uniqueKeysWithValues: try await store.entries(in: nil, limit: 10).map { ($0.draft.idempotencyKey, $0.id) })
        try await store.markFailed(ids["died-long-ago"]!, error: "404", nextAttemptAt: nil, at: created)
        // Created 100 days ago, retried for a long while, dead an hour ago: kept.
        try await store.markFailed(ids["died-recently"]!, error: "404", nextAttemptAt: nil, at: Self.now.addingTimeInterval(-3600))
        try await store.markDelivered(ids["delivered"]!, at: created.addingTimeInterval(60))

        let report = try await store.prune(before: Self.now.addingTimeInterval(-86_400), batchSize: 500, maxBatches: 10)

        #expect(report.outbox == 2)
        #expect(Set(try await store.entries(in: nil, limit: 10).map(\.draft.idempotencyKey)) == ["pending", "died-recently"])
    }

    /// Older means strictly older: a row exactly as old as the cutoff stays.
    @Test(arguments: StoreFactory.all)
    func historyIsPrunedByItsOwnTimeAndStateStays(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let cutoff = Self.hoursAgo(72)
        var old = Fixture.cycle(.baseline, at: Self.hoursAgo(100))
        old.upserts = [Fixture.write(Fixture.post("p")), Fixture.write(Fixture.post("q"))]
        old.newMarkers = [OverdueMarker(postId: "p", seconds: 60)]
        old.throttle = [ThrottleKey(rule: "r", group: ""): ThrottleState(lastSentAt: Self.hoursAgo(100))]
        old.events = [Fixture.event("old", at: Self.hoursAgo(100)), Fixture.event("edge", at: cutoff)]
        old.notifications = [Fixture.draft("old")]
        try await store.commit(old)
        var missed = Fixture.cycle(at: Self.hoursAgo(90))
        missed.misses = ["q": 1]
        try await store.commit(missed)
        try await store.commit(Fixture.cycle(at: cutoff))
        let id = try #require(try await store.entries(in: nil, limit: 1).first?.id)
        try await store.markDelivered(id, at: cutoff)
        let before = try await store.loadState()

        let report = try await store.prune(before: cutoff, batchSize: 500, maxBatches: 10)

        // The third cycle is the newest and the newest complete one: the two before it go.
        #expect(report == PruneReport(cycles: 2, events: 1, outbox: 0))
        #expect(try await store.events(after: 0, limit: 10).map(\.event.post.postId) == ["edge"])
        #expect(try await store.entries(in: .delivered, limit: 10).count == 1, "delivered exactly at the cutoff")
        let after = try await store.loadState()
        #expect(after.posts == before.posts && after.overdueMarkers == before.overdueMarkers)
        #expect(after.throttle == before.throttle && after.sweepAccounts == ["acc_1"])
        #expect(try await store.prune(before: cutoff, batchSize: 500, maxBatches: 10) == PruneReport())
    }

    @Test(arguments: StoreFactory.all)
    func batchesStopAtTheBudgetAndTheNextCallGoesOn(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await commitEvents(1_234, detectedAt: Self.hoursAgo(1_000), into: store)
        var calls: [PruneReport] = []
        repeat {
            calls.append(try await store.prune(before: Self.now, batchSize: 100, maxBatches: 5))
        } while calls.last?.incomplete == true && calls.count < 10
        #expect(calls.map(\.events) == [500, 500, 234])
        #expect(calls.map(\.incomplete) == [true, true, false])
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
    }

    /// The daemon's pace: at the first cycle, then once per `every`, and at every cycle while
    /// a call left rows behind.
    @Test(arguments: StoreFactory.all)
    func thePrunerPrunesHourlyAndCatchesUpCycleByCycle(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await commitEvents(450, detectedAt: Self.hoursAgo(48), into: store)
        let pruner = Pruner(
            store: store, retention: Retention(period: .seconds(86_400), batchSize: 100, maxBatches: 2, every: .seconds(3600)),
            logger: Logger(label: "test"))
        var pruned: [Int?] = []
        for minute in [0, 1, 2, 3, 59, 62] {
            pruned.append(try await pruner.pruneIfDue(now: Self.now.addingTimeInterval(Double(minute) * 60))?.events)
        }
        // Minute 2 finished the backlog; the next prune is an hour after it.
        #expect(pruned == [200, 200, 50, nil, nil, 0])
    }
}
