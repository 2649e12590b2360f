import Timekeeping

/// A rule's `repeat every 1h while failed at most 5 times`: the rule's message about a post is
/// repeated while the post stays in the state that fired it, until it is resolved or the
/// reminders reach the cap.
public struct ReminderPolicy: Sendable, Hashable {
    /// The state a reminder waits on.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// The post is still `failed`.
        case failed
        /// The post is still `generated` or `pending_render` past its overdue threshold.
        case overdue

        /// The statuses in which the post is still in this state: any other (or deletion) ends
        /// the reminders.
        public var statuses: Set<String> {
            switch self {
            case .failed: ["failed"]
            case .overdue: ["generated", "pending_render"]
            }
        }
    }

    /// At most this many reminders per post when the rule says no `at most N times`.
    public static let defaultLimit = 10
    /// Reminders closer than this are refused by the checker: a reminder is not a poll.
    public static let shortestInterval: Duration = .seconds(60)

    public let interval: Duration
    public let state: State
    public let limit: Int

    public init(interval: Duration, state: State, limit: Int = ReminderPolicy.defaultLimit) {
        self.interval = interval
        self.state = state
        self.limit = limit
    }
}
