import Foundation
import Testing
@testable import Watch

/// The open-alert contract (``Store/openAlerts(forPosts:)``, ``CycleCommit/openedAlerts``) as
/// every store keeps it, run once per ``StoreFactory``.
@Suite struct OpenAlertConformanceTests {
    static let pagerFailed = OpenAlert(rule: "Failed", postId: "p1", channel: "oncall")

    func commit(opening opened: [OpenAlert] = [], closing closed: [OpenAlert] = [], drafts: [OutboxDraft] = [], into store: any Store) async throws {
        var commit = Fixture.cycle()
        commit.openedAlerts = opened
        commit.closedAlerts = closed
        commit.notifications = drafts
        try await store.commit(commit)
    }

    @Test(arguments: StoreFactory.all)
    func alertsOpenWithTheirCycleAndAreFoundByPost(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.openAlerts(forPosts: ["p1"]).isEmpty)
        let other = OpenAlert(rule: "Failed", postId: "p1", channel: "ops")
        let elsewhere = OpenAlert(rule: "Failed", postId: "p2", channel: "oncall")
        try await commit(opening: [Self.pagerFailed, other, elsewhere], drafts: [Fixture.draft("k1")], into: store)
        #expect(try await store.openAlerts(forPosts: ["p1"]) == [Self.pagerFailed, other])
        #expect(try await store.openAlerts(forPosts: ["p1", "p2", "p3"]) == [Self.pagerFailed, other, elsewhere])
        #expect(try await store.openAlerts(forPosts: []).isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func openingTwiceKeepsOneAndClosingRemovesIt(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await commit(opening: [Self.pagerFailed, Self.pagerFailed], into: store)
        try await commit(opening: [Self.pagerFailed], into: store)
        #expect(try await store.openAlerts(forPosts: ["p1"]) == [Self.pagerFailed])
        try await commit(closing: [Self.pagerFailed], into: store)
        #expect(try await store.openAlerts(forPosts: ["p1"]).isEmpty)
        // Closing what is not open is no error (a resolve deferred behind a throttle, a replay).
        try await commit(closing: [Self.pagerFailed], into: store)
        #expect(try await store.cycles(limit: 10).count == 4)
    }

    /// Opens before closes: a trigger released from a throttle and resolved in the same cycle
    /// ends closed.
    @Test(arguments: StoreFactory.all)
    func aCommitOpeningAndClosingTheSameAlertLeavesItClosed(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await commit(opening: [Self.pagerFailed], closing: [Self.pagerFailed], into: store)
        #expect(try await store.openAlerts(forPosts: ["p1"]).isEmpty)
    }

    /// Alerts are state, like the posts: they survive a restart, a deleted post and retention.
    @Test(arguments: StoreFactory.all)
    func alertsSurviveReopeningDeletionAndPruning(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        var first = Fixture.cycle()
        first.upserts = [Fixture.write(Fixture.post("p1"))]
        first.openedAlerts = [Self.pagerFailed]
        try await opened.store.commit(first)
        var gone = Fixture.cycle(at: Fixture.t0.addingTimeInterval(60))
        gone.deletions = ["p1"]
        try await opened.store.commit(gone)
        _ = try await opened.store.prune(before: Fixture.t0.addingTimeInterval(86_400 * 365), batchSize: 100, maxBatches: 10)
        let reopened = try opened.reopen()
        #expect(try await reopened.openAlerts(forPosts: ["p1"]) == [Self.pagerFailed])
    }

    /// A first cycle's `--since` window can hold thousands of posts: more IDs than one statement takes.
    @Test(arguments: StoreFactory.all)
    func manyPostsAreReadInBatches(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let alerts = (0..<1_200).map { OpenAlert(rule: "r", postId: "p\($0)", channel: "c") }
        try await commit(opening: alerts, into: store)
        let found = try await store.openAlerts(forPosts: Set((0..<1_300).map { "p\($0)" }))
        #expect(found.count == 1_200)
    }
}
