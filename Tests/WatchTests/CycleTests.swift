import Foundation
import Synchronization
import Infinipost
import Testing
@testable import Watch

@Suite struct CycleTests {
    let listing = FakeListing()
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore(path: Fixture.tempPath())
    }

    @Test func baselineRecordsEverythingAndEmitsNothing() async throws {
        listing.put(Fixture.post("p1", .failed), Fixture.post("p2", .posted), Fixture.post("p3"))
        let poller = Fixture.poller(listing, store: store)
        let report = try await poller.runOnce(now: Fixture.t0)
        #expect(report.result == .baseline)
        #expect(report.events.isEmpty)
        #expect(report.upserts == 3)
        #expect(try await store.depth()[.pending] == 0)
        let second = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(second.result == .complete)
        #expect(second.events.isEmpty)
    }

    @Test func baselineWithSinceReportsPostsScheduledInTheWindow() async throws {
        let now = Fixture.t0
        listing.put(
            Fixture.post("old", .failed, scheduled: now.addingTimeInterval(-3 * 86400)),
            Fixture.post("recent", .failed, scheduled: now.addingTimeInterval(-3600)),
            Fixture.post("future", .generated, scheduled: now.addingTimeInterval(3600)))
        let poller = Fixture.poller(
            listing, store: store, configuration: PollerConfiguration(since: 86400))
        let report = try await poller.runOnce(now: now)
        #expect(report.result == .baseline)
        #expect(report.summaries == ["future new>generated", "recent new>failed"])
        #expect(try await store.depth()[.pending] == 2)
    }

    @Test func emptyFirstSnapshotIsTheBaseline() async throws {
        let poller = Fixture.poller(listing, store: store)
        #expect(try await poller.runOnce(now: Fixture.t0).result == .baseline)
        listing.put(Fixture.post("p1", .failed))
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.summaries == ["p1 new>failed"])
    }

    @Test func eachKindOfEvent() async throws {
        let t0 = Fixture.t0
        listing.put(
            Fixture.post("moves"), Fixture.post("gone", .posted),
            Fixture.post("stuck", .pendingRender, scheduled: t0.addingTimeInterval(-100)))
        let poller = Fixture.poller(listing, store: store, thresholds: [600, 1800])
        #expect(try await poller.runOnce(now: t0).events.isEmpty)

        listing.setStatus("moves", .pendingRender)
        listing.remove("gone")
        listing.put(Fixture.post("fresh", .failed))
        let second = try await poller.runOnce(now: t0.addingTimeInterval(60))
        // One miss is not a deletion (the post may have moved between partitions).
        #expect(second.summaries == ["fresh new>failed", "moves generated>pending_render"])

        let third = try await poller.runOnce(now: t0.addingTimeInterval(900))
        #expect(third.summaries == ["gone posted>deleted", "stuck overdue:600"])
        #expect(third.events.first?.post.status == .posted)  // the post as last stored
        #expect(third.fired == [["every event"], ["every event"]])  // PerEventRouter's one rule

        let fourth = try await poller.runOnce(now: t0.addingTimeInterval(1000))
        #expect(fourth.events.isEmpty)
        let fifth = try await poller.runOnce(now: t0.addingTimeInterval(2000))
        #expect(fifth.summaries == ["stuck overdue:1800"])
        #expect(try await store.depth()[.pending] == 5)
        let stored = try await store.events(after: 0, limit: 100).map(\.event.summary)
        #expect(stored.count == 5)
    }

    /// Deleted events are appended and the whole list re-sorted before routing: the report's
    /// `fired` must still line up with the report's `events`.
    @Test func firedIsAlignedWithTheEventsWhenDeletionsAreSortedIn() async throws {
        let t0 = Fixture.t0
        listing.put(Fixture.post("gone", .posted), Fixture.post("stuck", .pendingRender, scheduled: t0.addingTimeInterval(-100)))
        let poller = Poller(
            listing: listing, store: store, router: PostIdRouter(overdueThresholds: [600]),
            configuration: PollerConfiguration())
        _ = try await poller.runOnce(now: t0)
        listing.remove("gone")
        _ = try await poller.runOnce(now: t0.addingTimeInterval(60))
        let report = try await poller.runOnce(now: t0.addingTimeInterval(900))
        // The deletion of "gone" was appended after "stuck"'s overdue event, then sorted first.
        #expect(report.summaries == ["gone posted>deleted", "stuck overdue:600"])
        #expect(report.fired == [["gone"], ["stuck"]])
        #expect(report.fired(at: 1) == ["stuck"] && report.fired(at: 2) == [])
    }

    @Test func unchangedCyclesRepeatNothingAndWriteOnlyTheCycleRow() async throws {
        for i in 0..<200 { listing.put(Fixture.post("p\(i)", i % 3 == 0 ? .failed : .generated)) }
        let poller = Fixture.poller(listing, store: store, thresholds: [60])
        _ = try await poller.runOnce(now: Fixture.t0)
        listing.setStatus("p1", .posted)
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)).summaries == ["p1 generated>posted"])
        for i in 2..<22 {
            let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(Double(i) * 60))
            #expect(report.events.isEmpty)
            #expect(report.rowsWritten == 1)
        }
        #expect(try await store.depth()[.pending] == 1)
    }

    @Test func aFailingListingAbortsTheCycleAndTheNextFindsTheEvents() async throws {
        listing.put(Fixture.post("a"), Fixture.post("b", .pendingRender))
        let poller = Fixture.poller(listing, store: store)
        _ = try await poller.runOnce(now: Fixture.t0)
        listing.setStatus("a", .failed)
        listing.remove("b")
        listing.state.withLock { $0.failing = { $0.status == .pendingRender } }
        await #expect(throws: CycleError.self) { try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)) }
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
        #expect(try await store.cycles(limit: 1).first?.result == .failed)
        listing.state.withLock { $0.failing = { _ in false } }
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(report.summaries == ["a generated>failed"])
        // The failed cycle did not count as a miss: b is missed once, not deleted.
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(180)).summaries == ["b pending_render>deleted"])
    }

    @Test func aPostMovingBetweenPartitionsIsNeitherLostNorReportedTwice() async throws {
        listing.put(Fixture.post("m", .generated), Fixture.post("n", .posted))
        let poller = Fixture.poller(listing, store: store, configuration: PollerConfiguration(
            partitioning: .status, maxConcurrentListings: 1))
        _ = try await poller.runOnce(now: Fixture.t0)
        // Chains run in status order. Right after the `generated` chain answered, "m" moves
        // forward (seen twice: generated, then posted) and "n" moves back to generated (seen
        // in neither chain).
        listing.state.withLock { state in
            state.onList = { query, posts in
                guard query.status == .generated else { return }
                posts["m"]?.status = .posted
                posts["n"]?.status = .generated
            }
        }
        let second = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(second.summaries == ["m generated>posted"])
        #expect(second.received == 2)
        listing.state.withLock { $0.onList = nil }
        let third = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(third.summaries == ["n posted>generated"])
        #expect(third.listings == 5)  // the account of the missed post was listed unfiltered
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(180)).events.isEmpty)
    }

    @Test func overlappingCallsRunOneCycleAfterTheOther() async throws {
        let slow = SlowListing(posts: [Fixture.post("a", .failed)])
        let poller = Fixture.poller(slow, store: store, configuration: PollerConfiguration(partitioning: .none))
        async let first = poller.runOnce(now: Fixture.t0)
        async let second = poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        let results = try await [first.result, second.result]
        #expect(results.sorted { $0.rawValue < $1.rawValue } == [.baseline, .complete])
        #expect(slow.maxInFlight.withLock { $0 } == 1)
    }

    /// The default partitions name every documented platform and content type, so they cannot
    /// list a post on a platform the API adds later: the discovery listing (by status alone)
    /// finds it, and from then on every cycle lists by status.
    @Test func aPostOnAPlatformAddedLaterIsFoundByTheDiscoveryListing() async throws {
        let t0 = Fixture.t0
        let youtube = Platform(rawValue: "youtube")
        listing.put(Fixture.post("a", .posted))
        var configuration = PollerConfiguration()
        configuration.discoveryEvery = 3
        let poller = Fixture.poller(listing, store: store, configuration: configuration)
        #expect(try await poller.runOnce(now: t0).listings == 4)  // the first cycle discovers
        listing.put(Fixture.post("y", .failed, platform: youtube))
        #expect(try await poller.runOnce(now: t0.addingTimeInterval(60)).listings == 16)
        #expect(try await poller.runOnce(now: t0.addingTimeInterval(120)).events.isEmpty)
        let found = try await poller.runOnce(now: t0.addingTimeInterval(180))
        #expect(found.summaries == ["y new>failed"])
        // From now on by status, every cycle: a new post of another account is found at once.
        listing.put(Fixture.post("z", .failed, account: "acc_2", platform: youtube))
        let next = try await poller.runOnce(now: t0.addingTimeInterval(240))
        #expect(next.summaries == ["z new>failed"])
        for i in 5..<9 {
            #expect(try await poller.runOnce(now: t0.addingTimeInterval(Double(i) * 60)).events.isEmpty)
        }
    }

    @Test func seenTwiceKeepsTheLaterStatus() {
        #expect(SnapshotBuilder.prefers(.posted, over: .generated, stored: "generated"))
        #expect(!SnapshotBuilder.prefers(.generated, over: .pendingRender, stored: "generated"))
        #expect(SnapshotBuilder.prefers(.failed, over: .posted, stored: "posted"))
        #expect(!SnapshotBuilder.prefers(.posted, over: .failed, stored: "posted"))
        #expect(SnapshotBuilder.prefers(PostStatus(rawValue: "archived"), over: .posted, stored: "posted"))
        #expect(!SnapshotBuilder.prefers(.posted, over: PostStatus(rawValue: "archived"), stored: "posted"))
    }

    /// What a first run's `--since 24h` admits, at its edges: a failure by its slot (one 25 h
    /// ago is out, one tomorrow is in: it failed already), a posted post by when it was posted
    /// (posted an hour ago though scheduled three days ago is in; posted early, 25 h ago, for
    /// a slot an hour ago is out).
    @Test func theSinceWindowJudgesPostedPostsByPostedAtAndTheRestByTheirSlot() async throws {
        let now = Fixture.t0
        let hour: TimeInterval = 3600
        var lateButPosted = Fixture.post("posted-recently", .posted, scheduled: now.addingTimeInterval(-72 * hour))
        lateButPosted.postedAt = now.addingTimeInterval(-hour)
        var postedEarly = Fixture.post("posted-long-ago", .posted, scheduled: now.addingTimeInterval(-hour))
        postedEarly.postedAt = now.addingTimeInterval(-25 * hour)
        listing.put(
            Fixture.post("failed-25h-ago", .failed, scheduled: now.addingTimeInterval(-25 * hour)),
            Fixture.post("failed-23h-ago", .failed, scheduled: now.addingTimeInterval(-23 * hour)),
            Fixture.post("failed-for-tomorrow", .failed, scheduled: now.addingTimeInterval(24 * hour)),
            lateButPosted, postedEarly)
        let poller = Fixture.poller(listing, store: store, configuration: PollerConfiguration(since: 24 * hour))
        let report = try await poller.runOnce(now: now)
        #expect(report.result == .baseline)
        #expect(report.summaries.sorted() == [
            "failed-23h-ago new>failed", "failed-for-tomorrow new>failed", "posted-recently new>posted",
        ])
    }

    /// A first run over many posts reported nothing until it was done: the poller now says
    /// after each page how far the listing got, and whether this is the first cycle.
    @Test func progressIsReportedPageByPageAndSaysWhichCycleIsTheFirst() async throws {
        for index in 0..<30 { listing.put(Fixture.post("p\(index)")) }
        let seen = Mutex<[ListingProgress]>([])
        var configuration = PollerConfiguration(partitioning: .none)
        configuration.progress = { progress in seen.withLock { $0.append(progress) } }
        let poller = Fixture.poller(listing, store: store, configuration: configuration)
        _ = try await poller.runOnce(now: Fixture.t0)
        let first = seen.withLock { $0 }
        #expect(first.count == 1 && first.allSatisfy(\.firstCycle))
        #expect(first.last?.posts == 30 && first.last?.pages == 1)
        _ = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(seen.withLock { $0.dropFirst(first.count) }.allSatisfy { !$0.firstCycle })
    }

    @Test func nothingToFailedBetweenPollsIsReported() async throws {
        listing.put(Fixture.post("a", .posted))
        let poller = Fixture.poller(listing, store: store)
        _ = try await poller.runOnce(now: Fixture.t0)
        listing.put(Fixture.post("b", .failed, platform: .instagram, contentType: .slides))
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.summaries == ["b new>failed"])
        #expect(try await store.depth()[.pending] == 1)
    }

    @Test func anUnknownStatusIsStoredRawAndNeverReportedDeleted() async throws {
        listing.put(Fixture.post("u", .pendingRender))
        let poller = Fixture.poller(listing, store: store)
        _ = try await poller.runOnce(now: Fixture.t0)
        listing.setStatus("u", PostStatus(rawValue: "archived"))
        // The status partitions cannot list it: missed once, then found by its account's sweep.
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)).events.isEmpty)
        let found = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(found.summaries == ["u pending_render>archived"])
        for i in 3..<8 {
            #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(Double(i) * 60)).events.isEmpty)
        }
        listing.setStatus("u", .failed)
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(600)).summaries == ["u archived>failed"])
    }

    @Test func accountScopeListsOnlyThoseAccounts() async throws {
        listing.put(Fixture.post("a1", account: "acc_a"), Fixture.post("b1", account: "acc_b"))
        let poller = Fixture.poller(listing, store: store, configuration: PollerConfiguration(
            accounts: ["acc_a"], partitioning: .status))
        _ = try await poller.runOnce(now: Fixture.t0)
        listing.setStatus("a1", .failed)
        listing.setStatus("b1", .failed)
        listing.put(Fixture.post("b2", .failed, account: "acc_b"))
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.summaries == ["a1 generated>failed"])
        #expect(report.posts == 1)
        let queries = listing.state.withLock { $0.queries }
        #expect(queries.allSatisfy { $0.accountId == "acc_a" })
    }

    @Test func aPostThatComesBackAfterOneMissIsNotDeleted() async throws {
        listing.put(Fixture.post("p", .posted))
        let poller = Fixture.poller(listing, store: store)
        _ = try await poller.runOnce(now: Fixture.t0)
        let saved = listing.state.withLock { $0.posts["p"] }
        listing.remove("p")
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)).events.isEmpty)
        if let saved { listing.put(saved) }
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120)).events.isEmpty)
        listing.remove("p")
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(180)).events.isEmpty)
        #expect(try await poller.runOnce(now: Fixture.t0.addingTimeInterval(240)).summaries == ["p posted>deleted"])
    }
}

/// A listing that takes its time and counts the listings in flight at once.
final class SlowListing: PostListing {
    let posts: [Post]
    let inFlight = Mutex(0)
    let maxInFlight = Mutex(0)
    init(posts: [Post]) { self.posts = posts }

    func posts(matching query: PostsQuery) async throws -> [Post] {
        let now = inFlight.withLock { count in
            count += 1
            return count
        }
        maxInFlight.withLock { $0 = max($0, now) }
        try await Task.sleep(for: .milliseconds(50))
        inFlight.withLock { $0 -= 1 }
        return posts
    }
}

/// Fires one "rule" per event named after its post, so a misaligned `fired` shows.
private struct PostIdRouter: Router {
    var overdueThresholds: [Int]
    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        Routing(fired: events.map { [$0.post.postId] })
    }
}
