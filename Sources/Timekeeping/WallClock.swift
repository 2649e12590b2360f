import Foundation

/// The time a component runs on: the wall-clock `now` it records and compares with stored
/// dates, and the waits it makes. Both come from one seam so that a test which moves time moves
/// both, and never waits: ``SystemClock`` in production, `ManualClock` (TestSupport) in tests.
public protocol WallClock: Sendable {
    /// The current time, as the store and the API's timestamps count it.
    var now: Date { get }
    /// Time elapsed since an arbitrary origin, never stepped by a change of the system's clock:
    /// what intervals between two moments are measured with (`now` can jump back an hour
    /// when NTP or a resumed VM sets the clock, and a wait computed from it would be wrong).
    var elapsed: Duration { get }
    /// Returns after `duration` of this clock's time; throws `CancellationError` when cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's time and `Task.sleep`.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    public var elapsed: Duration { ContinuousClock.now - Self.origin }
    private static let origin = ContinuousClock.now
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
