import Foundation
import Synchronization
import TestSupport
import Testing
import Timekeeping

@testable import Watch

/// The daemon's loop on a manual clock: its waits are asserted, never waited for.
@Suite struct PollServiceTests {
    static let configuration = PollService.Configuration(interval: .seconds(60), jitter: 0.05, maxBackoff: .seconds(600))

    @Test func theIntervalCountsFromTheCycleStartPlusJitter() {
        let wait = PollService.wait(after: 0, configuration: Self.configuration, elapsed: .seconds(10), random: 1)
        #expect(wait == .seconds(53))
        #expect(PollService.wait(after: 0, configuration: Self.configuration, elapsed: .seconds(90), random: 0) == .zero)
    }

    @Test func failuresDoubleTheWaitUpToTheMaximum() {
        let waits = (0...6).map { PollService.wait(after: $0, configuration: Self.configuration, elapsed: .zero, random: 0) }
        #expect(waits == [.seconds(60), .seconds(60), .seconds(120), .seconds(240), .seconds(480), .seconds(600), .seconds(600)])
    }

    @Test func runCyclesOnTheInjectedClockAndBacksOffWhileFailing() async throws {
        let clock = ManualClock()
        let start = clock.now
        let times = Mutex<[Date]>([])
        // Two failures, then successes; the test ends the loop by cancelling it.
        let service = PollService(
            configuration: Self.configuration, clock: clock, logger: .init(label: "test"), random: { 0 },
            cycle: { now in
                let count = times.withLock { $0.append(now); return $0.count }
                if count >= 5 { throw CancellationError() }
                if count <= 2 { throw TestFailure() }
                return CycleReport(
                    startedAt: now, duration: .zero, result: .complete, events: [], notifications: 0, posts: 0, received: 0,
                    listings: 1, pages: 1, upserts: 0, deletions: 0, rowsWritten: 0)
            })
        try await service.run()
        #expect(clock.sleeps == [.seconds(60), .seconds(120), .seconds(60), .seconds(60)])
        #expect(times.withLock { $0 }.map { $0.timeIntervalSince(start) } == [0, 60, 180, 240, 300])
    }

    /// The system's clock set back an hour during a cycle (NTP, a resumed VM): the next cycle
    /// still comes one interval after this one started, not an hour and an interval later.
    /// Measured on the wall clock, the wait was the interval plus the hour.
    @Test func aClockSetBackDuringACycleDoesNotPauseCycles() async throws {
        let clock = ManualClock()
        let count = Mutex(0)
        let service = PollService(
            configuration: Self.configuration, clock: clock, logger: .init(label: "test"), random: { 0 },
            cycle: { now in
                let cycles = count.withLock { $0 += 1; return $0 }
                if cycles >= 3 { throw CancellationError() }
                clock.advance(10)  // the cycle takes 10 s…
                if cycles == 1 { clock.setWallTime(now.addingTimeInterval(-3600)) }  // …and the clock is set back
                return CycleReport(
                    startedAt: now, duration: .zero, result: .complete, events: [], notifications: 0, posts: 0, received: 0,
                    listings: 1, pages: 1, upserts: 0, deletions: 0, rowsWritten: 0)
            })
        try await service.run()
        #expect(clock.sleeps == [.seconds(50), .seconds(50)])
    }

    /// A follower runs no cycle and looks again every `standbyCheck`; once it leads, it
    /// polls at once, then at the interval.
    @Test func aFollowerRunsNoCycleUntilItLeads() async throws {
        let clock = ManualClock()
        let start = clock.now
        let checks = Mutex(0)
        let times = Mutex<[Date]>([])
        let service = PollService(
            configuration: Self.configuration, clock: clock, logger: .init(label: "test"), random: { 0 },
            leading: { checks.withLock { $0 += 1; return $0 > 3 } },
            cycle: { now in
                let count = times.withLock { $0.append(now); return $0.count }
                if count >= 2 { throw CancellationError() }
                return CycleReport(
                    startedAt: now, duration: .zero, result: .complete, events: [], notifications: 0, posts: 0, received: 0,
                    listings: 1, pages: 1, upserts: 0, deletions: 0, rowsWritten: 0)
            })
        try await service.run()
        #expect(clock.sleeps == [.seconds(1), .seconds(1), .seconds(1), .seconds(60)])
        #expect(times.withLock { $0 }.map { $0.timeIntervalSince(start) } == [3, 63])
    }

    struct TestFailure: Error {}
}
