import Foundation
import Synchronization
import Timekeeping

/// A ``WallClock`` for tests that never waits: sleeping moves its time on at once, and every
/// wait asked for is recorded, so a retry or rate-limit test runs in microseconds and can
/// assert the waits themselves.
///
/// ```swift
/// let clock = ManualClock(Date(timeIntervalSince1970: 1_750_000_000))
/// try await clock.sleep(for: .seconds(2))   // returns at once; clock.now is 2 s later
/// clock.sleeps                              // [.seconds(2)]
/// ```
public final class ManualClock: WallClock {
    private let state: Mutex<(now: Date, elapsed: Duration, sleeps: [Duration])>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        state = Mutex((start, .zero, []))
    }

    public var now: Date { state.withLock { $0.now } }

    /// Moved on by sleeps and ``advance(_:)``, never by ``setWallTime(_:)``.
    public var elapsed: Duration { state.withLock { $0.elapsed } }

    /// Sets the wall-clock time without moving `elapsed`: the system's clock stepped by NTP.
    public func setWallTime(_ date: Date) {
        state.withLock { $0.now = date }
    }

    /// Every wait asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves the time on by `seconds` without a sleep.
    public func advance(_ seconds: TimeInterval) {
        state.withLock {
            $0.now = $0.now.addingTimeInterval(seconds)
            $0.elapsed += .milliseconds(Int64((seconds * 1000).rounded()))
        }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(duration)
            state.now = state.now.addingTimeInterval(max(duration, .zero).secondsValue)
            state.elapsed += max(duration, .zero)
        }
        // Lets the tasks that wait on this one's progress run, as a real sleep would.
        await Task.yield()
    }
}
