import Foundation
import PostgresState
import Watch

extension PostgresServer {
    /// `count` stores on one new database, as `count` replicas would open it: each its own
    /// pool and replica id (`replica-0`, `replica-1`, …), migrated. Close them when done.
    public func replicas(_ count: Int, claimLease: Duration = .seconds(60)) async throws -> [PostgresStore] {
        var configuration = try PostgresConfiguration(url: url(database: try await createDatabase()))
        configuration.claimLease = claimLease
        var stores: [PostgresStore] = []
        for index in 0..<count {
            stores.append(try await PostgresStore.open(configuration: configuration, replicaId: "replica-\(index)"))
        }
        return stores
    }
}

extension PostgresStore {
    /// Commits `commit` as the leader would: a commit is fenced (a store that never took the
    /// lease cannot write a cycle), so this takes the lease for it and gives it back at once, and
    /// any replica of the test may queue the next one. Returns the rows written.
    @discardableResult
    public func commitAsLeader(_ commit: CycleCommit) async throws -> Int {
        guard let lease = try await acquireLease(holder: "test-leader-\(UInt32.random(in: .min ... .max))", for: .seconds(60)) else {
            throw TestSupportError("another replica holds the lease: the test cannot queue")
        }
        var commit = commit
        commit.fence = lease.epoch
        let rows = try await self.commit(commit)
        try await releaseLease(lease)
        return rows
    }
}
