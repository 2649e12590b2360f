import Foundation

/// The time a component runs on: the wall-clock `now` it records and compares with stored
/// dates, and the waits it makes. Both come from one seam so that a test which moves time moves
/// both, and never waits: ``SystemClock`` in production, `ManualClock` (TestSupport) in tests.
public protocol WallClock: Sendable {
    /// The current time, as the store and the API's timestamps count it.
    var now: Date { get }
    /// Returns after `duration` of this clock's time; throws `CancellationError` when cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's time and `Task.sleep`.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
