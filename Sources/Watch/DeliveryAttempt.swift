import Foundation

/// One try at sending a notification, as delivery measured it: recorded with the outbox mark
/// of that try (``Outbox/markDelivered(_:recipients:attempt:at:)``,
/// ``Outbox/markFailed(_:error:nextAttemptAt:recipients:attempt:at:)``), in its transaction.
public struct DeliveryAttempt: Sendable, Hashable {
    /// When the send started.
    public var startedAt: Date
    /// How long the send took.
    public var duration: Duration
    /// What the peer answered, short and free of secrets: `HTTP 200`, `SMTP 250`; nil when no
    /// answer came (a timeout, a refused connection, nothing sent).
    public var answer: String?

    public init(startedAt: Date, duration: Duration, answer: String? = nil) {
        self.startedAt = startedAt
        self.duration = duration
        self.answer = answer
    }
}

/// A delivery attempt as the history shows it.
public struct DeliveryAttemptRecord: Sendable, Hashable {
    /// What the attempt left the notification as.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// Accepted by the peer.
        case delivered
        /// Failed; tried again later.
        case retry
        /// Failed, and given up on (a permanent answer, or too old).
        case dead
    }

    /// 1 for the first attempt of the notification.
    public var number: Int
    public var startedAt: Date
    public var duration: Duration
    public var outcome: Outcome
    public var answer: String?
    /// The error, redacted as it was for the outbox's last error; nil when delivered.
    public var error: String?

    public init(number: Int, startedAt: Date, duration: Duration, outcome: Outcome, answer: String?, error: String?) {
        self.number = number
        self.startedAt = startedAt
        self.duration = duration
        self.outcome = outcome
        self.answer = answer
        self.error = error
    }
}
