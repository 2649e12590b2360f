import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import Timekeeping

@testable import Watch

/// The keeper of a replica's lease, on a manual clock and the lease model (``LeaseModel``):
/// when it leads, when it stops, what it tells the metrics, and that it gives the lease up on
/// a graceful shutdown.
@Suite struct LeaseKeeperTests {
    static let ttl = Duration.seconds(15)

    typealias Status = LeaseKeeper.Status

    /// What a keeper's observer was told, in order.
    final class Observed: Sendable {
        let statuses = Mutex<[Status]>([])
        var all: [Status] { statuses.withLock { $0 } }
    }

    func keeper(
        _ holder: String, on leadership: ModelLeadership, logs: CapturedLogs = CapturedLogs(), observed: Observed? = nil
    ) -> LeaseKeeper {
        LeaseKeeper(
            leadership: leadership, configuration: .init(holder: holder, ttl: Self.ttl), clock: leadership.clock,
            logger: logs.logger(), observe: { status in observed?.statuses.withLock { $0.append(status) } })
    }

    @Test func takesTheLeaseThenRenewsItUnderTheSameEpoch() async {
        let clock = ManualClock()
        let leadership = ModelLeadership(clock: clock)
        let observed = Observed()
        let a = keeper("a", on: leadership, observed: observed)
        #expect(a.status.role == .unknown)
        #expect(await a.attempt() == Status(role: .leader, epoch: 1))
        clock.advance(5)
        #expect(await a.attempt() == Status(role: .leader, epoch: 1))
        clock.advance(14)  // 19 s after the first try, 14 s after the renewal
        #expect(a.isLeader && a.epoch == 1)
        #expect(observed.all == [Status(role: .leader, epoch: 1), Status(role: .leader, epoch: 1)])
        #expect(leadership.model.epochs == [1])
    }

    @Test func aSecondReplicaFollowsThenTakesOverUnderANewEpochWhenTheLeaseRunsOut() async {
        let clock = ManualClock()
        let leadership = ModelLeadership(clock: clock)
        let logs = CapturedLogs()
        let a = keeper("a", on: leadership, logs: logs)
        let b = keeper("b", on: leadership)
        await a.attempt()
        #expect(await b.attempt() == Status(role: .follower))
        // `a` stalls: no renewal. Its lease ends on its own clock, without another try.
        clock.advance(15)
        #expect(!a.isLeader && a.epoch == nil)
        #expect(await b.attempt() == Status(role: .leader, epoch: 2))
        // `a` wakes up: the store says no, and it says so.
        #expect(await a.attempt() == Status(role: .follower))
        #expect(logs.all.contains { $0.hasPrefix("warning lease lost to another replica; polling stops") && $0.contains("lease.holder=b") })
        #expect(leadership.model.epochs == [1, 2])
    }

    @Test func whileTheStoreCannotBeReachedALeaderLeadsUntilItsLeaseWouldRunOut() async {
        let clock = ManualClock()
        let leadership = ModelLeadership(clock: clock)
        let logs = CapturedLogs()
        let a = keeper("a", on: leadership, logs: logs)
        await a.attempt()
        leadership.setFailing(true)
        clock.advance(5)
        #expect(await a.attempt() == Status(role: .leader, epoch: 1))
        clock.advance(5)
        #expect(await a.attempt() == Status(role: .leader, epoch: 1))
        clock.advance(4.999)
        #expect(a.isLeader)
        clock.advance(0.001)  // 15 s after the try that granted it: over, with no try
        #expect(!a.isLeader)
        #expect(await a.attempt() == Status(role: .unknown))
        #expect(logs.all.count { $0.hasPrefix("warning cannot reach the shared store") } == 1)
        #expect(logs.all.contains { $0.hasPrefix("warning lease ran out while the shared store could not be reached") })
        // Back: the lease ran out in the store too, so the keeper takes it under a new epoch.
        leadership.setFailing(false)
        #expect(await a.attempt() == Status(role: .leader, epoch: 2))
    }

    /// The lease's length counts from when the keeper asked, not from when the answer came:
    /// a slow answer must not stretch leadership past the store's own expiry.
    @Test func theLeaseCountsFromTheTryNotFromTheAnswer() async {
        let clock = ManualClock()
        let leadership = ModelLeadership(clock: clock, onAcquire: { _ in clock.advance(3) })
        let a = keeper("a", on: leadership)
        await a.attempt()
        clock.advance(11.999)
        #expect(a.isLeader)
        clock.advance(0.001)
        #expect(!a.isLeader)
    }

    @Test func runTriesEveryThirdOfTheLeaseAndReleasesItOnGracefulShutdown() async throws {
        let clock = ManualClock()
        let group = Mutex<ServiceGroup?>(nil)
        let leadership = ModelLeadership(clock: clock, onAcquire: { calls in
            if calls == 4 { await group.withLock { $0 }?.triggerGracefulShutdown() }
        })
        let logs = CapturedLogs()
        let a = keeper("a", on: leadership, logs: logs)
        let services = ServiceGroup(configuration: .init(services: [.init(service: a)], logger: Logger(label: "test")))
        group.withLock { $0 = services }
        try await services.run()
        #expect(clock.sleeps.prefix(3) == [.seconds(5), .seconds(5), .seconds(5)])
        #expect(!a.isLeader)
        #expect(leadership.model.holder(at: clock.now) == nil)
        #expect(logs.all.contains { $0.hasPrefix("notice lease released") })
        // The next replica takes it at once, under the next epoch.
        let b = keeper("b", on: leadership)
        #expect(await b.attempt() == Status(role: .leader, epoch: 2))
    }
}
