import Foundation
import Logging
@testable import PostgresState
import TestSupport
import Testing
import Watch

/// The schema of the shared store as replicas meet it: several starting at once, and a new
/// version starting beside an old one during a rolling upgrade.
@Suite(.enabled(if: PostgresServer.shouldTest)) struct PostgresMigrationTests {
    let server = PostgresServer.shared

    func configuration(_ database: String) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: server.url(database: database))
        configuration.maximumConnections = 2
        return configuration
    }

    @Test func replicasStartingAtOnceAllOpenAndTheSchemaIsAppliedOnce() async throws {
        let database = try await server.createDatabase()
        let configuration = try configuration(database)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for replica in 0..<4 {
                group.addTask { try await PostgresStore.open(configuration: configuration, replicaId: "r\(replica)") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        let versions = try await server.psql("SELECT version FROM postwatch_schema ORDER BY version", database: database)
        #expect(versions == PostgresStore.migrations.map { "\($0.version)" }.joined(separator: "\n"))
        // Every one of them works on it.
        for store in stores {
            #expect(try await store.loadState().cyclesRecorded == 0)
            await store.close()
        }
    }

    @Test func aDatabaseMigratedPastWhatThisBuildCanUseIsRefusedClearly() async throws {
        let database = try await server.createDatabase()
        let configuration = try configuration(database)
        await try PostgresStore.open(configuration: configuration, replicaId: "old").close()
        let newer = PostgresStore.schemaVersion + 5
        try await server.psql(
            "INSERT INTO postwatch_schema (version, compatible_from) VALUES (\(newer), \(newer - 1))", database: database)
        await #expect {
            try await PostgresStore.open(configuration: configuration, replicaId: "old")
        } throws: { error in
            let message = "\(error)"
            return (error as? StoreError)?.code == .open && message.contains("schema \(newer)")
                && message.contains("schema \(newer - 1) or later") && message.contains("knows schema \(PostgresStore.schemaVersion)")
                && message.contains("upgrade")
        }
    }

    @Test func aNewerButCompatibleSchemaIsUsedAsItIs() async throws {
        let database = try await server.createDatabase()
        let configuration = try configuration(database)
        let first = try await PostgresStore.open(configuration: configuration, replicaId: "old")
        // Commits are fenced: each store takes the lease, the first gives it up as it stops.
        let lease = try #require(try await first.acquireLease(holder: "old", for: .seconds(3600)))
        try await first.commit(Fixture.cycle(.baseline))
        try await first.releaseLease(lease)
        await first.close()
        // An additive migration of a newer postwatch: this one still works beside it.
        let newer = PostgresStore.schemaVersion + 1
        try await server.psql(
            """
            CREATE TABLE added_by_a_newer_postwatch (id integer);
            INSERT INTO postwatch_schema (version, compatible_from) VALUES (\(newer), \(PostgresStore.schemaVersion));
            """, database: database)
        let store = try await PostgresStore.open(configuration: configuration, replicaId: "old")
        #expect(try await store.loadState().cyclesRecorded == 1)
        _ = try await store.acquireLease(holder: "old", for: .seconds(3600))
        #expect(try await store.commit(Fixture.cycle()) == 1)
        let versions = try await server.psql("SELECT MAX(version) FROM postwatch_schema", database: database)
        #expect(versions == "\(newer)")
        await store.close()
    }

    @Test func onlyTheMigrationsTheDatabaseLacksRun() async throws {
        let database = try await server.createDatabase()
        let configuration = try configuration(database)
        await try PostgresStore.open(configuration: configuration, replicaId: "r").close()
        // A build with one more migration, run on the migrated database: only it is applied.
        let next = PostgresMigration(
            version: PostgresStore.schemaVersion + 1, compatibleFrom: 1, sql: ["CREATE TABLE next_table (id integer)"])
        let store = try PostgresStore(configuration: configuration, replicaId: "r")
        try await store.withConnection { connection in
            try await PostgresStore.transaction(on: connection, logger: store.logger) { connection in
                try await PostgresStore.migrate(on: connection, migrations: PostgresStore.migrations + [next], logger: store.logger)
            }
        }
        let rows = try await server.psql(
            "SELECT version, compatible_from FROM postwatch_schema ORDER BY version DESC LIMIT 1", database: database)
        #expect(rows == "\(next.version)|1")
        #expect(try await server.psql("SELECT COUNT(*) FROM next_table", database: database) == "0")
        await store.close()
    }

    @Test func aFailedMigrationLeavesNothingBehind() async throws {
        let database = try await server.createDatabase()
        let configuration = try configuration(database)
        await try PostgresStore.open(configuration: configuration, replicaId: "r").close()
        let broken = PostgresMigration(
            version: PostgresStore.schemaVersion + 1, compatibleFrom: 1,
            sql: ["CREATE TABLE half_done (id integer)", "SELECT no_such_function()"])
        let store = try PostgresStore(configuration: configuration, replicaId: "r")
        await #expect(throws: (any Error).self) {
            try await store.withConnection { connection in
                try await PostgresStore.transaction(on: connection, logger: store.logger) { connection in
                    try await PostgresStore.migrate(on: connection, migrations: PostgresStore.migrations + [broken], logger: store.logger)
                }
            }
        }
        #expect(try await server.psql("SELECT to_regclass('half_done') IS NULL", database: database) == "t")
        #expect(try await server.psql("SELECT MAX(version) FROM postwatch_schema", database: database) == "\(PostgresStore.schemaVersion)")
        await store.close()
    }

    @Test func anUnreachableDatabaseFailsTheOpenWithWhereItIs() async throws {
        // A port nothing listens on (taken and closed again).
        let configuration = try PostgresConfiguration(url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
        await #expect {
            try await PostgresStore.open(configuration: configuration, replicaId: "r")
        } throws: { error in
            let message = "\(error)"
            return (error as? StoreError)?.code == .open && message.contains("127.0.0.1:1/none")
        }
    }
}
