import Foundation
import PostgresState

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
