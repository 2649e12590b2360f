import Foundation
import GRDB
import Infinipost
import Testing
@testable import Watch

@Suite struct StoreTests {
    let path = Fixture.tempPath()

    func draft(_ key: String) -> OutboxDraft {
        OutboxDraft(idempotencyKey: key, channel: "ops", rule: "r", payload: Data("{}".utf8))
    }

    func commitDrafts(_ store: SQLiteStore, _ keys: [String]) async throws {
        var commit = CycleCommit(cycle: CycleRecord(startedAt: Fixture.t0, endedAt: Fixture.t0, result: .complete))
        commit.notifications = keys.map(draft)
        try await store.commit(commit)
    }

    @Test func outboxLifecycle() async throws {
        let store = try SQLiteStore(path: path)
        try await commitDrafts(store, ["k1", "k2", "k3"])
        let due = try await store.due(at: Fixture.t0, limitPerChannel: 10)
        #expect(due.map(\.draft.idempotencyKey) == ["k1", "k2", "k3"])
        try await store.markDelivered(due[0].id, at: Fixture.t0)
        try await store.markFailed(due[1].id, error: "503", nextAttemptAt: Fixture.t0.addingTimeInterval(30), at: Fixture.t0)
        try await store.markFailed(due[2].id, error: "404", nextAttemptAt: nil, at: Fixture.t0)
        #expect(try await store.due(at: Fixture.t0.addingTimeInterval(10), limitPerChannel: 10).isEmpty)
        #expect(try await store.due(at: Fixture.t0.addingTimeInterval(30), limitPerChannel: 10).map(\.id) == [due[1].id])
        #expect(try await store.depth() == [.pending: 1, .delivered: 1, .dead: 1])
        let dead = try await store.entries(in: .dead, limit: 10)
        #expect(dead.map(\.lastError) == ["404"])
        #expect(dead.first?.attempts == 1)
        #expect(try await store.retry(due[2].id, at: Fixture.t0))
        #expect(try await !store.retry(due[0].id, at: Fixture.t0))  // delivered stays delivered
        #expect(try await store.due(at: Fixture.t0, limitPerChannel: 10).map(\.id) == [due[2].id])
        #expect(try await store.drop(due[2].id))
        #expect(try await !store.drop(due[2].id))
        #expect(try await store.entries(in: nil, limit: 10).map(\.draft.idempotencyKey) == ["k2", "k1"])
    }

    /// Issue 11, defect 1: a key already queued used to fail the whole commit, and with it
    /// every later cycle. It is queued once, and the rest of the cycle applies.
    @Test func aKeyIsQueuedOnceAndADuplicateNeverFailsTheCommit() async throws {
        let store = try SQLiteStore(path: path)
        try await commitDrafts(store, ["k1"])
        var commit = CycleCommit(cycle: CycleRecord(startedAt: Fixture.t0, endedAt: Fixture.t0, result: .complete))
        commit.upserts = [PostWrite(post: Fixture.post("p"), fingerprint: 1)]
        commit.notifications = [draft("k1"), draft("k2"), draft("k2")]
        try await store.commit(commit)
        #expect(try await store.loadState().posts.count == 1)  // the cycle applied
        #expect(try await store.entries(in: nil, limit: 10).map(\.draft.idempotencyKey).sorted() == ["k1", "k2"])
    }

    @Test func stateSurvivesReopeningAndThrottleRoundTrips() async throws {
        let store = try SQLiteStore(path: path)
        var commit = CycleCommit(cycle: CycleRecord(startedAt: Fixture.t0, endedAt: Fixture.t0, result: .baseline))
        let post = Fixture.post("p", .failed)
        commit.upserts = [PostWrite(post: post, fingerprint: PostFingerprint.of(post))]
        commit.newMarkers = [OverdueMarker(postId: "p", seconds: 60)]
        let key = ThrottleKey(rule: "r", group: "acc_1")
        commit.throttle = [key: ThrottleState(lastSentAt: Fixture.t0)]
        try await store.commit(commit)

        let reopened = try SQLiteStore(path: path)
        let state = try await reopened.loadState()
        #expect(state.hasBaseline)
        #expect(state.posts["p"] == StoredPost(status: "failed", fingerprint: PostFingerprint.of(post), misses: 0))
        #expect(state.overdueMarkers == [OverdueMarker(postId: "p", seconds: 60)])
        #expect(state.throttle[key]?.lastSentAt == Fixture.t0)
        #expect(try await reopened.storedPosts(ids: ["p", "q"]) == ["p": post])

        var drop = CycleCommit(cycle: CycleRecord(startedAt: Fixture.t0, endedAt: Fixture.t0, result: .complete))
        drop.throttle = [key: ThrottleState?.none]
        try await reopened.commit(drop)
        #expect(try await reopened.loadState().throttle.isEmpty)
    }

    @Test func fingerprintSeesEveryField() {
        let post = Fixture.post("p")
        var other = post
        other.caption += " "
        #expect(PostFingerprint.of(post) != PostFingerprint.of(other))
        other = post
        other.postedAt = Fixture.t0
        #expect(PostFingerprint.of(post) != PostFingerprint.of(other))
        #expect(PostFingerprint.of(post) == PostFingerprint.of(Fixture.post("p")))
    }
}

@Suite struct MigrationTests {
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
}
