import Foundation
import Infinipost
import Sandbox
import Synchronization
import TestSupport
import Testing

@testable import PostgresState
@testable import Watch

/// The lease and the fence on a real PostgreSQL (TestSupport's private cluster): several store
/// instances on one database stand for replicas; every decision is the database's.
@Suite(.enabled(if: PostgresServer.shouldTest)) struct LeaseTests {
    /// `count` stores (replicas `r0`, `r1`, …) on one new database, migrated.
    static func replicas(_ count: Int) async throws -> (database: String, stores: [PostgresStore]) {
        let server = PostgresServer.shared
        let database = try await server.createDatabase()
        let configuration = try PostgresConfiguration(url: server.url(database: database))
        var stores: [PostgresStore] = []
        for index in 0..<count {
            stores.append(try await PostgresStore.open(configuration: configuration, replicaId: "r\(index)"))
        }
        return (database, stores)
    }

    /// The lease runs out now, as if its holder had stalled past it.
    static func expireLease(in database: String) async throws {
        try await PostgresServer.shared.psql(
            "UPDATE postwatch_lease SET expires_at = extract(epoch FROM clock_timestamp()) - 1", database: database)
    }

    static func cycleCount(_ store: PostgresStore) async throws -> Int {
        try await store.cycles(limit: 1_000).count
    }

    @Test func onlyOneReplicaTakesTheLeaseAndARenewalKeepsItsEpoch() async throws {
        let (_, stores) = try await Self.replicas(2)
        let (a, b) = (stores[0], stores[1])
        let taken = try #require(try await a.acquireLease(holder: "a", for: .seconds(30)))
        #expect(taken.holder == "a" && taken.epoch == 1)
        #expect(try await b.acquireLease(holder: "b", for: .seconds(30)) == nil)
        let renewed = try #require(try await a.acquireLease(holder: "a", for: .seconds(30)))
        #expect(renewed.epoch == 1 && renewed.expiresAt >= taken.expiresAt)
        #expect(try await b.currentLease() == renewed)
        // The expiry is the database's: within a few seconds of this machine's (one machine).
        #expect(abs(renewed.expiresAt.timeIntervalSinceNow - 30) < 5)
    }

    @Test func aTakeoverAfterTheLeaseRunsOutBumpsTheEpoch() async throws {
        let (_, stores) = try await Self.replicas(2)
        let (a, b) = (stores[0], stores[1])
        _ = try await a.acquireLease(holder: "a", for: .milliseconds(300))
        try await Task.sleep(for: .milliseconds(600))  // on the database's clock too
        let taken = try #require(try await b.acquireLease(holder: "b", for: .seconds(30)))
        #expect(taken.holder == "b" && taken.epoch == 2)
        // The old holder's renewal is refused: it was taken over.
        #expect(try await a.acquireLease(holder: "a", for: .seconds(30)) == nil)
    }

    @Test func theOldLeadersCommitIsRefusedAndWritesNothing() async throws {
        let (database, stores) = try await Self.replicas(2)
        let (a, b) = (stores[0], stores[1])
        _ = try await a.acquireLease(holder: "a", for: .seconds(30))
        let stale = try await a.loadState()
        #expect(stale.fence == 1)
        try await Self.expireLease(in: database)
        _ = try await b.acquireLease(holder: "b", for: .seconds(30))
        var commit = Fixture.cycle()
        commit.fence = stale.fence
        commit.events = [Fixture.event("p1")]
        commit.notifications = [Fixture.draft("k1")]
        let error = await #expect(throws: StoreError.self) { try await a.commit(commit) }
        #expect(error?.code == .fenced)
        #expect(error?.message.contains("under lease epoch 1") == true)
        #expect(error?.message.contains("replica 'b' leads until") == true)
        #expect(try await Self.cycleCount(b) == 0)
        #expect(try await b.events(after: 0, limit: 10).isEmpty)
        #expect(try await b.depth()[.pending] ?? 0 == 0)
        // The other writes of the poll path are fenced as well.
        await #expect(throws: StoreError.self) { try await a.recordFailedCycle(Fixture.cycle(.failed).cycle) }
        await #expect(throws: StoreError.self) { try await a.clearStaged() }
        await #expect(throws: StoreError.self) { try await a.stage([Fixture.write(Fixture.post("p1"))]) }
        // The new leader commits under its epoch.
        commit.fence = try await b.loadState().fence
        #expect(commit.fence == 2)
        try await b.commit(commit)
        #expect(try await Self.cycleCount(b) == 1)
    }

    @Test func aStoreThatNeverTookTheLeaseCannotCommit() async throws {
        let (_, stores) = try await Self.replicas(2)
        let error = await #expect(throws: StoreError.self) { try await stores[0].commit(Fixture.cycle()) }
        #expect(error?.code == .fenced)
        #expect(error?.message.contains("no replica has taken the lease yet") == true)
        _ = try await stores[1].acquireLease(holder: "b", for: .seconds(30))
        let second = await #expect(throws: StoreError.self) { try await stores[0].commit(Fixture.cycle()) }
        #expect(second?.message.contains("without the lease") == true)
        #expect(second?.message.contains("replica 'b' leads until") == true)
    }

    /// The lease ran out and nobody took it yet: its holder stalled past it, and must not
    /// commit what it listed before (a follower may be taking over right now).
    @Test func aLeaderWhoseLeaseRanOutCannotCommitEvenIfNobodyTookIt() async throws {
        let (database, stores) = try await Self.replicas(1)
        _ = try await stores[0].acquireLease(holder: "a", for: .seconds(30))
        var commit = Fixture.cycle()
        commit.fence = try await stores[0].loadState().fence
        try await Self.expireLease(in: database)
        let error = await #expect(throws: StoreError.self) { try await stores[0].commit(commit) }
        #expect(error?.message.contains("ran out at") == true)
        #expect(try await Self.cycleCount(stores[0]) == 0)
    }

    @Test func aReleaseLetsAnotherReplicaTakeOverAtOnce() async throws {
        let (_, stores) = try await Self.replicas(2)
        let lease = try #require(try await stores[0].acquireLease(holder: "a", for: .seconds(30)))
        try await stores[0].releaseLease(lease)
        let taken = try #require(try await stores[1].acquireLease(holder: "b", for: .seconds(30)))
        #expect(taken.epoch == 2)
        // Releasing a lease already taken over ends nothing.
        try await stores[0].releaseLease(lease)
        #expect(try await stores[1].currentLease() == taken)
        await #expect(throws: StoreError.self) { try await stores[0].commit(Fixture.cycle()) }
    }

    /// Two replicas given the same `--replica-id` by mistake: the second is still refused,
    /// since a renewal must name the epoch its store was granted.
    @Test func twoStoresUnderOneReplicaIdCannotBothLead() async throws {
        let (_, stores) = try await Self.replicas(2)
        #expect(try await stores[0].acquireLease(holder: "same", for: .seconds(30)) != nil)
        #expect(try await stores[1].acquireLease(holder: "same", for: .seconds(30)) == nil)
    }

    /// A leader whose lease ran out while it listed, and which took it again under a new epoch
    /// before committing: the state it read may be stale (another replica could have led in
    /// between), so the commit, carrying the epoch of the read, is refused, and nothing of the
    /// cycle is written. With the epoch held at commit time instead, it would have gone through.
    @Test func aCycleReadUnderAnEarlierEpochIsNotCommitted() async throws {
        let (database, stores) = try await Self.replicas(1)
        let store = stores[0]
        _ = try await store.acquireLease(holder: "a", for: .seconds(30))
        let listing = FakeListing()
        listing.put(Fixture.post("p1"), Fixture.post("p2"))
        let baseline = try await Poller(listing: listing, store: store, router: PerEventRouter()).runOnce(now: Fixture.t0)
        #expect(baseline.result == .baseline)

        listing.setStatus("p1", .failed)
        let during = ListingWith(listing) {
            try await Self.expireLease(in: database)
            #expect(try await store.acquireLease(holder: "a", for: .seconds(30))?.epoch == 2)
        }
        let poller = Poller(listing: during, store: store, router: PerEventRouter())
        let error = await #expect(throws: CycleError.self) { try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60)) }
        #expect(error?.code == .store)
        #expect((error?.underlying as? StoreError)?.code == .fenced, "\(String(describing: error))")
        #expect(error?.message.contains("under lease epoch 1") == true, "\(String(describing: error))")
        // Nothing of it is written (its failure is recorded, under the epoch held now).
        #expect(try await store.events(after: 0, limit: 10).isEmpty)
        // The next cycle, read under epoch 2, finds the transition and commits it.
        let next = try await Poller(listing: listing, store: store, router: PerEventRouter())
            .runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(next.summaries == ["p1 generated>failed"])
    }

    /// Generated sequences of takes, renewals, expiries, releases and commits (with the fence
    /// the state gave, a stale one, or none) by three replicas, step by step against
    /// ``LeaseModel``: the same answers, never two holders, epochs never repeated, and a
    /// commit applied iff its fence is the current, running epoch.
    @Test(arguments: [1, 2, 3] as [UInt64]) func generatedStepsAgreeWithTheModel(seed: UInt64) async throws {
        let (database, stores) = try await Self.replicas(3)
        let holders = ["r0", "r1", "r2"]
        var random = SeededRandom(seed: seed)
        var model = LeaseModel()
        var granted: [Lease?] = [nil, nil, nil]
        var accepted = 0
        // The model's clock stands still: leases are long, and only `expire` ends one.
        let now = Date(timeIntervalSince1970: 0)
        let ttl: TimeInterval = 3_600
        var trace: [String] = []
        // Each epoch the database granted, and to whom: an epoch is never granted twice.
        var holderOfEpoch: [Int64: String] = [:]
        for step in 0..<60 {
            let index = Int.random(in: 0..<3, using: &random)
            let (store, holder) = (stores[index], holders[index])
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let lease = try await store.acquireLease(holder: holder, for: .seconds(ttl))
                let expected = model.acquire(holder: holder, ttl: ttl, now: now)
                trace.append("\(step) acquire \(holder) → \(lease.map { "\($0.epoch)" } ?? "nil")")
                #expect(lease?.epoch == expected?.epoch && lease?.holder == expected?.holder, "\(trace)")
                granted[index] = lease
                if let lease {
                    #expect(holderOfEpoch[lease.epoch, default: holder] == holder, "\(trace)")
                    holderOfEpoch[lease.epoch] = holder
                }
            case 4:
                try await Self.expireLease(in: database)
                model.expire(now: now)
                trace.append("\(step) expire")
            case 5:
                guard let lease = granted[index] else { continue }
                try await store.releaseLease(lease)
                model.release(lease, now: now)
                granted[index] = nil
                trace.append("\(step) release \(holder) \(lease.epoch)")
            default:
                var commit = Fixture.cycle()
                switch Int.random(in: 0..<3, using: &random) {
                case 0: commit.fence = try await store.loadState().fence
                case 1: commit.fence = Int64.random(in: 1...max(1, model.lease?.epoch ?? 1), using: &random)
                default: commit.fence = nil
                }
                let expected = model.accepts(holder: holder, fence: commit.fence, now: now)
                let applied: Bool
                do {
                    try await store.commit(commit)
                    applied = true
                } catch let error as StoreError where error.code == .fenced {
                    applied = false
                }
                if applied { accepted += 1 }
                trace.append("\(step) commit \(holder) fence \(commit.fence.map(String.init) ?? "nil") → \(applied)")
                #expect(applied == expected, "\(trace)")
            }
            // One lease row, as the model has it: at most one holder, whoever reads it.
            let current = try await stores[(index + 1) % 3].currentLease()
            #expect(current?.epoch == model.lease?.epoch && current?.holder == model.lease?.holder, "\(trace)")
        }
        #expect(try await Self.cycleCount(stores[0]) == accepted, "\(trace)")
    }
}

/// Lists through `listing`, running `during` once, at the first query: what happens to the
/// lease while a cycle lists.
private final class ListingWith: PostListing {
    private let listing: FakeListing
    private let during: @Sendable () async throws -> Void
    private let done = Mutex(false)

    init(_ listing: FakeListing, during: @escaping @Sendable () async throws -> Void) {
        self.listing = listing
        self.during = during
    }

    func posts(matching query: PostsQuery) async throws -> [Post] {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        if first { try await during() }
        return try await listing.posts(matching: query)
    }
}
