import Foundation

/// A reminder is kept per rule and post.
public struct ReminderKey: Sendable, Hashable, Codable, Comparable {
    public var rule: String
    public var postId: String
    public init(rule: String, postId: String) {
        self.rule = rule
        self.postId = postId
    }

    public static func < (a: ReminderKey, b: ReminderKey) -> Bool { (a.rule, a.postId) < (b.rule, b.postId) }
}

/// A post a rule with `repeat every … while …` fired for, still in trouble: reminded every
/// interval until an event of the post ends the state or the count reaches the cap.
public struct Reminder: Sendable, Hashable, Codable {
    /// The event that fired the rule (what a reminder shows).
    public var event: Event
    /// The group key of the rule's message (reminders are keyed and shown as the rule groups).
    public var groupKey: String
    /// Since when the post has been in trouble: its failure's detection, or its scheduled time
    /// for an overdue post ("still failed after 3h").
    public var since: Date
    /// The last reminder, or the first message when none was sent yet.
    public var lastNotifiedAt: Date
    /// Reminders sent so far.
    public var count: Int

    public init(event: Event, groupKey: String, since: Date, lastNotifiedAt: Date, count: Int = 0) {
        self.event = event
        self.groupKey = groupKey
        self.since = since
        self.lastNotifiedAt = lastNotifiedAt
        self.count = count
    }
}
