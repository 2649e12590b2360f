import Foundation
import GRDB
import Infinipost
import Testing
@testable import Watch

/// The first cycle stages its posts in the store as they are listed instead of holding them.
@Suite struct BaselineStagingTests {
    let listing = FakeListing()
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore(path: Fixture.tempPath())
    }

    /// A paged listing with small pages and small staging batches: many stage calls per chain.
    func poller(thresholds: [Int] = [], since: TimeInterval? = nil, concurrency: Int = 16) -> Poller {
        var configuration = PollerConfiguration(partitioning: .status, maxConcurrentListings: concurrency, since: since)
        configuration.stagingBatch = 7
        return Fixture.poller(PagedFakeListing(base: listing, pageSize: 5), store: store, thresholds: thresholds, configuration: configuration)
    }

    @Test func everyPostIsStoredAndTheNextCycleFindsNothingChanged() async throws {
        for i in 0..<250 { listing.put(Fixture.post("p\(i)", [.generated, .pendingRender, .posted, .failed][i % 4])) }
        let poller = poller()
        let baseline = try await poller.runOnce(now: Fixture.t0)
        #expect(baseline.result == .baseline)
        #expect(baseline.posts == 250)
        #expect(baseline.upserts == 250)
        #expect(baseline.rowsWritten == 251)  // 250 posts and the cycle
        #expect(baseline.events.isEmpty)
        let state = try await store.loadState()
        #expect(state.posts.count == 250)
        let p3 = Fixture.post("p3", .failed)
        #expect(state.posts["p3"] == StoredPost(status: "failed", fingerprint: PostFingerprint.of(p3), misses: 0))
        #expect(try await store.storedPosts(ids: ["p3"])["p3"] == p3)
        #expect(try await store.read { try $0.tableExists("staging_posts") } == false)

        let next = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(next.events.isEmpty)
        #expect(next.rowsWritten == 1)
        listing.setStatus("p0", .failed)
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120)).summaries == ["p0 generated>failed"])
    }

    @Test func thresholdsAlreadyPassedAreMarkedSoTheFirstRunReportsNoOldStuckPost() async throws {
        let t0 = Fixture.t0
        listing.put(
            Fixture.post("old", .pendingRender, scheduled: t0.addingTimeInterval(-7200)),
            Fixture.post("soon", .generated, scheduled: t0.addingTimeInterval(-100)),
            Fixture.post("done", .posted, scheduled: t0.addingTimeInterval(-7200)))
        let poller = poller(thresholds: [600, 1800])
        #expect(try await poller.runOnce(now: t0).events.isEmpty)
        // "old" passed both thresholds before the first run: marked, never reported.
        #expect(try await poller.runOnce(now: t0.addingTimeInterval(60)).events.isEmpty)
        #expect(try await poller.runOnce(now: t0.addingTimeInterval(900)).summaries == ["soon overdue:600"])
    }

    @Test func theWindowIsReportedFromTheStagedFirstCycle() async throws {
        let now = Fixture.t0
        for i in 0..<40 { listing.put(Fixture.post("old\(i)", .failed, scheduled: now.addingTimeInterval(-3 * 86400))) }
        listing.put(Fixture.post("recent", .failed, scheduled: now.addingTimeInterval(-3600)))
        let report = try await poller(since: 86400).runOnce(now: now)
        #expect(report.summaries == ["recent new>failed"])
        #expect(report.posts == 41)
    }

    @Test func aPostMovingDuringTheFirstCycleIsStoredWithItsLaterStatus() async throws {
        listing.put(Fixture.post("m", .generated), Fixture.post("n", .posted))
        listing.state.withLock { state in
            state.onList = { query, posts in
                guard query.status == .generated else { return }
                posts["m"]?.status = .posted
            }
        }
        var configuration = PollerConfiguration(partitioning: .status, maxConcurrentListings: 1)
        configuration.stagingBatch = 1
        let poller = Fixture.poller(PagedFakeListing(base: listing, pageSize: 1), store: store, configuration: configuration)
        let baseline = try await poller.runOnce(now: Fixture.t0)
        #expect(baseline.posts == 2)
        #expect(baseline.received == 3)
        #expect(try await store.loadState().posts["m"]?.status == "posted")
        listing.state.withLock { $0.onList = nil }
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)).rowsWritten == 1)
    }

    /// A post listed in the window and then, moved on, outside it: the window is tested on the
    /// copy that is stored, so no event shows a status the store does not hold.
    @Test func theWindowIsTestedOnTheSettledCopy() async throws {
        let now = Fixture.t0
        listing.put(Fixture.post("p", .pendingRender, scheduled: now.addingTimeInterval(-3600)))
        listing.state.withLock { state in
            state.onList = { query, posts in
                guard query.status == .pendingRender else { return }
                posts["p"] = Fixture.post("p", .posted, scheduled: now.addingTimeInterval(-3 * 86400))
            }
        }
        let report = try await poller(since: 86400, concurrency: 1).runOnce(now: now)
        #expect(report.received == 2)
        #expect(report.events.isEmpty)
        #expect(try await store.loadState().posts["p"]?.status == "posted")
    }

    @Test func aDryFirstCycleLeavesNothingBehind() async throws {
        for i in 0..<20 { listing.put(Fixture.post("p\(i)", .failed)) }
        let report = try await poller().runOnce(now: Fixture.t0, dryRun: true)
        #expect(report.result == .baseline)
        #expect(report.posts == 20)
        #expect(report.rowsWritten == 0)
        #expect(try await store.loadState().posts.count == 0)
        #expect(try await store.cycles(limit: 1).isEmpty)
        #expect(try await store.read { try $0.tableExists("staging_posts") } == false)
    }

    @Test func aFailedFirstCycleLeavesNothingStagedForTheNext() async throws {
        for i in 0..<30 { listing.put(Fixture.post("p\(i)", i % 2 == 0 ? .generated : .failed)) }
        listing.state.withLock { $0.failing = { $0.status == .failed } }
        // One chain at a time, `generated` first: its posts are staged before `failed` fails.
        let poller = poller(concurrency: 1)
        await #expect(throws: CycleError.self) { try await poller.runOnce(now: Fixture.t0) }
        #expect(try await store.loadState().posts.count == 0)
        // Posts staged by the failed attempt and gone since must not come back.
        for i in stride(from: 0, to: 30, by: 2) { listing.remove("p\(i)") }
        listing.state.withLock { $0.failing = { _ in false } }
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.result == .baseline)
        #expect(report.posts == 15)
        #expect(try await store.loadState().posts.count == 15)
    }
}

/// ``FakeListing`` handed over page by page, as the client does.
struct PagedFakeListing: PagedPostListing {
    let base: FakeListing
    let pageSize: Int

    func posts(matching query: PostsQuery) async throws -> [Post] {
        try await base.posts(matching: query)
    }

    func forEachPage(matching query: PostsQuery, _ body: ([Post]) async throws -> Void) async throws {
        let all = try await base.posts(matching: query).sorted { $0.postId < $1.postId }
        for start in stride(from: 0, to: all.count, by: pageSize) {
            try await body(Array(all[start..<min(start + pageSize, all.count)]))
        }
    }
}
