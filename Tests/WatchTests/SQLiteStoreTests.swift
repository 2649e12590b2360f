import Foundation
import GRDB
import Infinipost
import Testing
@testable import Watch

/// What only the SQLite store has: its state file (read-only opens, migrations) and its
/// writer seam. The contract every store keeps is in the conformance suites (`StoreFactory`).
@Suite struct SQLiteStoreTests {
    /// A store written with the earlier fingerprints gets them recomputed on opening, so the
    /// next cycle writes only the cycle record instead of every post.
    @Test func fingerprintsAreRecomputedOnUpgrade() async throws {
        let path = Fixture.tempPath()
        let post = Fixture.post("p", .posted)
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v2 posts state index")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO posts (postId, accountId, platform, contentType, status, scheduledTime,
                                       createdAt, fingerprint, json, firstSeenAt, updatedAt)
                    VALUES ('p', 'acc_1', 'tiktok', 'video', 'posted', 0, 0, 42, ?, 0, 0)
                    """, arguments: [try JSONEncoder.infinipost().encode(post)])
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        #expect(try await store.loadState().posts["p"]?.fingerprint == PostFingerprint.of(post))
    }

    /// A writer handed in is migrated, and staging works on it: the SQL function it needs is
    /// registered on the writer, not only by `init(path:)`'s configuration.
    @Test func aWriterHandedInIsMigratedAndStages() async throws {
        let queue = try DatabaseQueue()
        let store = try SQLiteStore(writer: queue)
        #expect(store.path == ":memory:")
        #expect(try await queue.read { try SQLiteStore.migrator.hasCompletedMigrations($0) })
        try await store.stage([Fixture.write(Fixture.post("x", .generated)), Fixture.write(Fixture.post("x", .posted))])
        #expect(try await store.stagedPosts(scheduledFrom: .distantPast).map(\.post.status) == [.posted])
    }

    /// `postwatch outbox list` on a state file: it reads, writes nothing, and a write fails as
    /// a ``StoreError``, never with SQLite's own error type.
    @Test func aReadOnlyStoreReadsAndRefusesWrites() async throws {
        let path = Fixture.tempPath()
        var commit = Fixture.cycle()
        commit.notifications = [Fixture.draft("k")]
        try await SQLiteStore(path: path).commit(commit)
        let reader = try SQLiteStore(path: path, readOnly: true)
        #expect(try await reader.entries(in: nil, limit: 10).map(\.draft.idempotencyKey) == ["k"])
        let id = try #require(try await reader.entries(in: nil, limit: 1).first?.id)
        do {
            _ = try await reader.drop(id)
            Issue.record("a read-only store wrote")
        } catch let error as StoreError {
            #expect(error.code == .database)
        }
        #expect(try await SQLiteStore(path: path).entry(id) != nil)
    }

    @Test func aReadOnlyOpenOfAnOlderFileSaysItIsOutdated() async throws {
        let path = Fixture.tempPath()
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v2 posts state index")
        try queue.close()
        do {
            _ = try SQLiteStore(path: path, readOnly: true)
            Issue.record("an outdated file opened read-only")
        } catch {
            #expect(error.code == .outdated)
        }
    }
}
