import Foundation
import GRDB
import Infinipost
import Logging
@testable import PostgresState
import TestSupport
import Testing
@testable import Watch

/// A kind of store the conformance tests run against (`StoreConformanceTests`,
/// `OutboxConformanceTests`, `PruneConformanceTests`): every test runs once per factory in
/// ``all``, so a second backend (PostgreSQL, issue 17) runs the very same tests by adding one.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    /// A new, empty store, and how to reach the same data again as a restarted process would.
    struct Opened: Sendable {
        let store: any Store
        let reopen: @Sendable () throws -> any Store
    }

    let name: String
    let make: @Sendable () throws -> Opened

    var testDescription: String { name }

    /// PostgreSQL when it is installed, or required (`POSTWATCH_REQUIRE_POSTGRES=1`: then its
    /// absence fails every test of it instead of leaving it out).
    static let all: [StoreFactory] = [sqliteFile, sqliteInMemory] + (PostgresServer.shouldTest ? [postgres] : [])

    /// What postwatch runs on: a state file, WAL, through `init(path:)`.
    static let sqliteFile = StoreFactory(name: "SQLite file") {
        let path = Fixture.tempPath()
        return Opened(store: try SQLiteStore(path: path), reopen: { try SQLiteStore(path: path) })
    }

    /// Any GRDB writer behind the same code: an in-memory queue, reopened as a new store on it.
    static let sqliteInMemory = StoreFactory(name: "SQLite in memory") {
        let queue = try DatabaseQueue()
        return Opened(store: try SQLiteStore(writer: queue), reopen: { try SQLiteStore(writer: queue) })
    }

    /// A fresh database of the test process's PostgreSQL cluster (``PostgresServer/shared``),
    /// created when the store is first used; reopened as a new store (a new pool) on it, as a
    /// restarted replica would.
    static let postgres = StoreFactory(name: "PostgreSQL") {
        let server = PostgresServer.shared
        let database = PostgresServer.newDatabaseName()
        let created = Task { try await server.createDatabase(named: database) }
        var configuration = try PostgresConfiguration(url: server.url(database: database))
        // Many stores live at once in a test run: small pools, idle connections closed soon.
        configuration.maximumConnections = 4
        configuration.idleTimeout = .seconds(5)
        let settled = configuration
        // The poll path's writes are fenced: like the poller's, these stores hold the lease (one
        // that never runs out, taken when the database is made; every reopened store is its holder).
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let leased = Task {
            try await created.value
            try await PostgresStore.migrate(try settled.connectionConfiguration(applicationName: "test"), logger: quiet)
            try await server.psql(
                "INSERT INTO postwatch_lease (name, holder, epoch, expires_at) VALUES ('\(PostgresStore.leaseName)', 'test', 1, 'infinity')",
                database: database)
        }
        let open: @Sendable () throws -> any Store = {
            let store = try PostgresStore(configuration: settled, replicaId: "test", logger: quiet, setUp: { try await leased.value })
            store.heldLease.withLock { $0 = Lease(holder: "test", epoch: 1, expiresAt: .distantFuture) }
            return store
        }
        return Opened(store: try open(), reopen: open)
    }
}

extension Fixture {
    /// A cycle record of `result` started and ended at `at`.
    static func cycle(_ result: CycleRecord.Result = .complete, at: Date = t0) -> CycleCommit {
        CycleCommit(cycle: CycleRecord(startedAt: at, endedAt: at, result: result))
    }

    /// A notification on `channel`, its payload a stand-in (the store never reads it).
    static func draft(_ key: String, channel: String = "ops") -> OutboxDraft {
        OutboxDraft(idempotencyKey: key, channel: channel, rule: "r", payload: Data("{}".utf8))
    }

    /// `post` as a write with its fingerprint.
    static func write(_ post: Post) -> PostWrite {
        PostWrite(post: post, fingerprint: PostFingerprint.of(post))
    }

    /// A `from → to` event of the post `id`, detected at `at`.
    static func event(_ id: String, _ from: String = "generated", _ to: PostStatus = .failed, at: Date = t0) -> Event {
        Event(kind: .transition, from: from, to: to.rawValue, post: post(id, to), detectedAt: at)
    }
}
