import Foundation
import Infinipost
import Logging
import PostgresNIO
@testable import PostgresState
import Sandbox
import TestSupport
import Testing
@testable import Watch

/// What the PostgreSQL store does beyond the conformance suites: its packed read of every
/// post, its connections' name, and a connection killed under it.
@Suite(.enabled(if: PostgresServer.shouldTest)) struct PostgresStoreTests {
    /// Generated posts over more than two of `loadState`'s chunks (ids with multi-byte
    /// characters, statuses the API does not document, any fingerprint), compared with a
    /// dictionary of what was written: the packed rows must give back every byte.
    @Test(arguments: [UInt64(17), 90210])
    func loadStateReadsBackEveryPostAcrossChunks(_ seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let statuses = ["generated", "pending_render", "posted", "failed", "archived", "in_review_é"]
        let chunk = 1_000
        let count = chunk * 2 + Int.random(in: 1..<500, using: &random)
        var expected: [String: StoredPost] = [:]
        var writes: [PostWrite] = []
        for index in 0..<count {
            let id = ["p", "é", "日本", "x"].randomElement(using: &random)! + "_\(index)_\(random.next() % 1000)"
            let status = PostStatus(rawValue: statuses.randomElement(using: &random)!)
            var post = Fixture.post(id, status)
            post.postedAt = nil
            let fingerprint = Int64(bitPattern: random.next())
            writes.append(PostWrite(post: post, fingerprint: fingerprint))
            expected[id] = StoredPost(status: status.rawValue, fingerprint: fingerprint, misses: 0)
        }
        let server = PostgresServer.shared
        let database = try await server.createDatabase()
        let store = try PostgresStore(
            configuration: try PostgresConfiguration(url: server.url(database: database)), replicaId: "chunks",
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), setUp: nil, postChunk: chunk)
        _ = try await store.acquireLease(holder: "chunks", for: .seconds(3600))  // commits are fenced
        var commit = Fixture.cycle(.baseline)
        commit.upserts = writes
        #expect(try await store.commit(commit) == count + 1)
        let posts = try await store.loadState().posts
        #expect(posts.count == count)
        var read: [String: StoredPost] = [:]
        for index in 0..<posts.count { read[posts.postId(at: index)] = posts.post(at: index) }
        #expect(read == expected)
        await store.close()
    }

    @Test func theConnectionsCarryTheReplicaAndSurviveBeingTerminated() async throws {
        let server = PostgresServer.shared
        let database = try await server.createDatabase()
        let replica = "replica-\(UUID().uuidString.prefix(8))"
        let store = try await PostgresStore.open(configuration: try PostgresConfiguration(url: server.url(database: database)), replicaId: replica)
        _ = try await store.acquireLease(holder: replica, for: .seconds(3600))  // commits are fenced
        try await store.commit(Fixture.cycle(.baseline))
        let name = PostgresStore.applicationName(replica)
        #expect(try await server.psql("SELECT COUNT(*) > 0 FROM pg_stat_activity WHERE application_name = '\(name)'") == "t")
        #expect(try await server.terminateBackends(applicationName: name) >= 1)
        // The pool drops the dead connection and opens another: the store carries on (a call
        // caught on the dead connection fails; the next ones work).
        let deadline = ContinuousClock.now + .seconds(20)
        var recovered = false
        while !recovered, ContinuousClock.now < deadline {
            recovered = (try? await store.loadState().cyclesRecorded) == 1
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered)
        await store.close()
    }
}
