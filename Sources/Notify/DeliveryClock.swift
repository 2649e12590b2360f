import Foundation

/// The time delivery runs on: wall-clock dates (the outbox stores them) and sleeping.
/// `SystemDeliveryClock` in production; tests use a manual one and never wait.
public protocol DeliveryClock: Sendable {
    var now: Date { get }
    func sleep(for duration: Duration) async throws
}

/// The system's time and `Task.sleep`.
public struct SystemDeliveryClock: DeliveryClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
