import Foundation
import Infinipost
import Testing
@testable import Watch

/// A first cycle's staging as every store keeps it, run once per ``StoreFactory``: staged posts
/// are not state until the first commit takes them, in its transaction.
@Suite struct StagingConformanceTests {
    static let pairs: [(PostStatus, PostStatus)] = [
        (.generated, .posted), (.pendingRender, .failed), (.posted, .failed),
        (.posted, PostStatus(rawValue: "archived")), (.generated, .pendingRender),
    ]

    /// Two staged copies settle by the snapshot's own rule, in both orders.
    @Test(arguments: StoreFactory.all, pairs)
    func stagedCopiesSettleAsTheSnapshotDoes(_ factory: StoreFactory, _ pair: (PostStatus, PostStatus)) async throws {
        let (first, second) = pair
        for (a, b) in [(first, second), (second, first)] {
            let store = try factory.make().store
            try await store.clearStaged()
            for status in [a, b] {
                let post = Fixture.post("x", status)
                try await store.stage([PostWrite(post: post, fingerprint: PostFingerprint.of(post))])
            }
            #expect(try await store.stagedCount() == 1)
            var commit = Fixture.cycle(.baseline)
            commit.includesStaged = true
            try await store.commit(commit)
            let expected = SnapshotBuilder.prefers(b, over: a, stored: nil) ? b : a
            #expect(try await store.loadState().posts["x"]?.status == expected.rawValue)
        }
    }

    @Test(arguments: StoreFactory.all)
    func stagedPostsBecomeStateInTheFirstCommit(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let now = Fixture.t0
        var postedRecently = Fixture.post("posted", .posted, scheduled: now.addingTimeInterval(-3 * 86_400))
        postedRecently.postedAt = now.addingTimeInterval(-3600)
        let staged = [
            Fixture.post("stuck", .pendingRender, scheduled: now.addingTimeInterval(-7200)),
            Fixture.post("soon", .generated, scheduled: now.addingTimeInterval(-100)),
            Fixture.post("old", .failed, scheduled: now.addingTimeInterval(-3 * 86_400)),
            postedRecently,
        ]
        try await store.stage(staged.map(Fixture.write))
        try await store.stage([])
        #expect(try await store.stagedCount() == 4)
        #expect(try await store.loadState().posts.isEmpty, "staged posts are not state")
        // The `--since` window by `Diff.windowTime(of:)`: posted ones by when they were posted.
        let window = try await store.stagedPosts(scheduledFrom: now.addingTimeInterval(-86_400))
        #expect(window == [postedRecently, staged[1], staged[0]].map(Fixture.write))

        var commit = Fixture.cycle(.baseline, at: now)
        commit.includesStaged = true
        commit.overdueThresholds = [600, 1800]
        try await store.commit(commit)
        let state = try await store.loadState()
        #expect(state.posts.count == 4)
        #expect(state.posts["stuck"] == StoredPost(status: "pending_render", fingerprint: PostFingerprint.of(staged[0]), misses: 0))
        #expect(try await store.storedPosts(ids: ["posted"]) == ["posted": postedRecently])
        // Thresholds passed before the first run are marked, so they are never reported.
        #expect(state.overdueMarkers == [OverdueMarker(postId: "stuck", seconds: 600), OverdueMarker(postId: "stuck", seconds: 1800)])
        #expect(try await store.stagedCount() == 0, "the commit took the staged posts")
    }

    @Test(arguments: StoreFactory.all)
    func clearingForgetsWhatAFailedFirstCycleStaged(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await store.stage([Fixture.write(Fixture.post("gone"))])
        try await store.clearStaged()
        #expect(try await store.stagedCount() == 0)
        #expect(try await store.stagedPosts(scheduledFrom: .distantPast).isEmpty)
        try await store.stage([Fixture.write(Fixture.post("kept"))])
        var commit = Fixture.cycle(.baseline)
        commit.includesStaged = true
        try await store.commit(commit)
        #expect(try await store.storedPosts(ids: ["gone", "kept"]).keys.sorted() == ["kept"])
    }
}
