import Foundation
@testable import PostgresState
import Sandbox
import TestSupport
import Testing
@testable import Watch

/// The outbox's claims on PostgreSQL (issue 17): replicas reading one outbox at once each get
/// their own entries; a claim left to expire passes to another replica, and the one that held
/// it may no longer send (its permit is nil). On the database's clock, with real stores.
@Suite(.enabled(if: PostgresServer.shouldTest)) struct ClaimTests {
    func queue(_ drafts: [OutboxDraft], into store: any Store, at: Date = Fixture.t0) async throws {
        var commit = Fixture.cycle(at: at)
        commit.notifications = drafts
        try await store.commit(commit)
    }

    /// Hundreds of due entries on a few channels, three replicas reading at once with generated
    /// limits: no entry is given to two replicas, each keeps what it claimed (asked again, it
    /// gets it again), every answer keeps the per-channel limit, and in the end every entry is
    /// claimed by exactly one.
    @Test(arguments: [UInt64(1), 99, 2026])
    func replicasClaimDisjointSets(_ seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let stores = try await PostgresServer.shared.replicas(3)
        let count = Int.random(in: 200...500, using: &random)
        let channels = Int.random(in: 1...6, using: &random)
        try await queue((0..<count).map { Fixture.draft("k\($0)", channel: "c\(Int.random(in: 0..<channels, using: &random))") }, into: stores[0])
        let limits = stores.map { _ in (0..<8).map { _ in Int.random(in: 3...40, using: &random) } }

        let claimed = try await withThrowingTaskGroup(of: (Int, Set<Int64>).self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    var mine = Set<Int64>()
                    for limit in limits[index] {
                        let due = try await store.due(at: Fixture.t0, limitPerChannel: limit)
                        let perChannel = Dictionary(grouping: due, by: \.draft.channel).values.map(\.count).max() ?? 0
                        #expect(perChannel <= limit)
                        mine.formUnion(due.map(\.id))
                    }
                    return (index, mine)
                }
            }
            var claimed: [Int: Set<Int64>] = [:]
            for try await (index, mine) in group { claimed[index] = mine }
            return claimed
        }
        for a in 0..<3 {
            for b in (a + 1)..<3 {
                #expect(claimed[a]!.isDisjoint(with: claimed[b]!), "replicas \(a) and \(b) were given the same entries")
            }
        }
        // The rest, one replica after another, with a limit that takes everything.
        var final: [Set<Int64>] = []
        for store in stores { final.append(Set(try await store.due(at: Fixture.t0, limitPerChannel: count).map(\.id))) }
        for index in 0..<3 { #expect(claimed[index]!.isSubset(of: final[index]), "replica \(index) kept its claims") }
        #expect(final[0].isDisjoint(with: final[1]) && final[0].isDisjoint(with: final[2]) && final[1].isDisjoint(with: final[2]))
        #expect(final.reduce(0) { $0 + $1.count } == count)
        for store in stores { await store.close() }
    }

    /// Rows another replica is claiming at this moment (locked in its transaction) are passed
    /// over for the next ones of the channel: a replica reading while another claims gets work
    /// too, not an empty answer (the limit is applied after the lock, not before).
    @Test func rowsBeingClaimedArePassedOverForTheNextOnes() async throws {
        let stores = try await PostgresServer.shared.replicas(2)
        try await queue((0..<10).map { Fixture.draft("k\($0)") }, into: stores[0])
        let next = try await stores[0].transaction { connection in
            try await connection.query("SELECT id FROM outbox ORDER BY id LIMIT 5 FOR UPDATE", logger: stores[0].logger)
            return try await stores[1].due(at: Fixture.t0, limitPerChannel: 5)
        }
        #expect(next.map(\.draft.idempotencyKey) == (5..<10).map { "k\($0)" })
        for store in stores { await store.close() }
    }

    /// A replica's claims expire (a lease of one second here); another replica then claims the
    /// same entries (same keys) and may send them, and the late holder's permit is nil. A mark
    /// settles the entry for both.
    @Test func anExpiredClaimPassesToAnotherReplicaAndTheLateHolderMayNotSend() async throws {
        let stores = try await PostgresServer.shared.replicas(2, claimLease: .seconds(1))
        let (late, other) = (stores[0], stores[1])
        try await queue((0..<4).map { Fixture.draft("k\($0)") }, into: late)
        let held = try await late.due(at: Fixture.t0, limitPerChannel: 10)
        #expect(held.count == 4)
        #expect(try await other.due(at: Fixture.t0, limitPerChannel: 10).isEmpty, "claimed, not expired")
        let entry = try #require(held.first?.id)
        #expect(try await late.permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == .zero)
        #expect(try await other.permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == nil,
                "not its claim")

        try await Task.sleep(for: .milliseconds(1500))
        let taken = try await other.due(at: Fixture.t0, limitPerChannel: 10)
        #expect(taken.map(\.draft.idempotencyKey) == held.map(\.draft.idempotencyKey))
        #expect(try await late.permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == nil)
        #expect(try await other.permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == .zero)
        #expect(try await late.due(at: Fixture.t0, limitPerChannel: 10).isEmpty, "the other replica's claims are fresh")

        try await other.markDelivered(entry, at: Fixture.t0)
        #expect(try await other.permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == nil,
                "delivered: nobody sends it again")
        for store in stores { await store.close() }
    }

    /// A claim expired but taken by nobody is still its holder's: a replica that stalled past
    /// its lease while nobody else was there may go on (whoever takes an entry over claims it
    /// first, which the permit would see).
    @Test func anExpiredClaimNobodyTookIsStillTheHolders() async throws {
        let stores = try await PostgresServer.shared.replicas(1, claimLease: .seconds(1))
        try await queue([Fixture.draft("k")], into: stores[0])
        let entry = try #require(try await stores[0].due(at: Fixture.t0, limitPerChannel: 10).first?.id)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await stores[0].permit(entry: entry, destination: "sha256:d", perSecond: nil, burst: 1, at: Date()) == .zero)
        await stores[0].close()
    }

    /// Marks clear the claim: a failed attempt rescheduled is due for any replica at its time,
    /// not held by the replica that tried it until its claim expires.
    @Test func aRescheduledEntryIsAnyReplicasAgain() async throws {
        let stores = try await PostgresServer.shared.replicas(2)
        try await queue([Fixture.draft("k")], into: stores[0])
        let entry = try #require(try await stores[0].due(at: Fixture.t0, limitPerChannel: 10).first?.id)
        try await stores[0].markFailed(entry, error: "HTTP 503", nextAttemptAt: Fixture.t0.addingTimeInterval(10), at: Fixture.t0)
        #expect(try await stores[1].due(at: Fixture.t0.addingTimeInterval(10), limitPerChannel: 10).map(\.id) == [entry])
        for store in stores { await store.close() }
    }

    /// Send slots come from the shared row: a limit of one send in 100 seconds with a burst of
    /// 2, taken by two replicas in turn, puts the third and later sends 100 s apart whoever takes
    /// them (slow, so that the time the permits take, on a loaded machine, is small beside
    /// it); a pause set by one replica holds the other's sends back.
    @Test func replicasShareADestinationsSlotsAndPause() async throws {
        let stores = try await PostgresServer.shared.replicas(2)
        try await queue((0..<6).map { Fixture.draft("k\($0)") }, into: stores[0])
        let mine = try await stores[0].due(at: Fixture.t0, limitPerChannel: 3)
        let theirs = try await stores[1].due(at: Fixture.t0, limitPerChannel: 3)
        var waits: [Duration] = []
        for (a, b) in zip(mine, theirs) {
            waits.append(try #require(try await stores[0].permit(entry: a.id, destination: "sha256:d", perSecond: 0.01, burst: 2, at: Date())))
            waits.append(try #require(try await stores[1].permit(entry: b.id, destination: "sha256:d", perSecond: 0.01, burst: 2, at: Date())))
        }
        // Each permit is taken a little later than the one before: its wait is that much
        // shorter than its slot's distance from the first.
        let expected: [Double] = [0, 0, 100, 200, 300, 400]
        for (wait, slot) in zip(waits, expected) {
            #expect(wait.secondsValue <= slot + 0.001 && wait.secondsValue > slot - 10, "\(waits)")
        }
        // Another destination has its own slots.
        #expect(try await stores[1].permit(entry: theirs[0].id, destination: "sha256:e", perSecond: 0.01, burst: 2, at: Date()) == .zero)

        try await stores[0].pause(destination: "sha256:e", until: Date().addingTimeInterval(30))
        let paused = try #require(try await stores[1].permit(entry: theirs[1].id, destination: "sha256:e", perSecond: nil, burst: 1, at: Date()))
        #expect(paused > .seconds(29) && paused <= .seconds(30))
        for store in stores { await store.close() }
    }
}
