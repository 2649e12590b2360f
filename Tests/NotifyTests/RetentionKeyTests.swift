import Foundation
import Infinipost
import Logging
import Synchronization
import Testing
import Rules
import Watch

@testable import Notify

/// Pruning keeps the cycle numbering: a transition that happens again after its first
/// occurrence was pruned (cycle, event and delivered outbox row) is a new notification with a
/// new idempotency key, never skipped as "already queued".
@Suite struct RetentionKeyTests {
    /// One unfiltered listing of the posts it holds (the poller is told not to partition).
    final class Listing: PostListing {
        let current = Mutex<[Post]>([])
        func posts(matching query: PostsQuery) async throws -> [Post] { current.withLock { $0 } }
        func set(_ status: PostStatus) { current.withLock { $0 = [Fixtures.post("p1", status: status)] } }
    }

    @Test func aRepeatAfterPruningGetsTheNextCycleNumberAndANewKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)
        let rule = Fixtures.rule("Failed", severity: .critical, when: "failed", channels: ["hook"])
        let listing = Listing()
        let poller = Poller(
            listing: listing, store: store, router: NotificationRouter(rules: [rule], channelKinds: ["hook": .webhook]),
            configuration: PollerConfiguration(partitioning: .none))
        let day: TimeInterval = 86_400
        let t0 = Fixtures.t0

        listing.set(.pendingRender)
        _ = try await poller.runOnce(now: t0)
        listing.set(.failed)
        let first = try await poller.runOnce(now: t0.addingTimeInterval(60))
        #expect(first.events.map(\.cycle) == [2])
        let queued = try await store.entries(in: .pending, limit: 10)
        #expect(queued.count == 1)
        try await store.markDelivered(queued[0].id, at: t0.addingTimeInterval(61))
        listing.set(.pendingRender)
        _ = try await poller.runOnce(now: t0.addingTimeInterval(10 * day))

        let pruner = Pruner(store: store, retention: Retention(period: .seconds(86_400)), logger: Logger(label: "test"))
        // Two days on: the newest cycle is older than the retention too, and stays.
        let pruned = try await pruner.prune(now: t0.addingTimeInterval(12 * day))
        // The history row of the failed event (notified on hook) goes with its event.
        #expect(pruned == PruneReport(cycles: 2, events: 2, outbox: 1, history: 1))
        #expect(try await store.loadState().cyclesRecorded == 3)

        listing.set(.failed)
        let again = try await poller.runOnce(now: t0.addingTimeInterval(12 * day + 60))
        #expect(again.events.map(\.cycle) == [4])
        #expect(again.notifications == 1)
        let requeued = try await store.entries(in: .pending, limit: 10)
        #expect(requeued.count == 1, "queued, not skipped as a key already seen")
        #expect(requeued.first?.draft.idempotencyKey != queued[0].draft.idempotencyKey)
        #expect(try await store.cycles(limit: 10).compactMap(\.id) == [4, 3])
    }
}
