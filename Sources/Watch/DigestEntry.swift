import Foundation

/// One event a digest collected, to send at the rule's next digest time.
public struct DigestEntry: Sendable, Hashable {
    public var rule: String
    public var groupKey: String
    public var event: Event
    /// The digest time it waits for, as the routing saw it (not stored: the store keeps the
    /// time last handled, and the schedule says the next).
    public var sendsAt: Date?
    public init(rule: String, groupKey: String, event: Event, sendsAt: Date? = nil) {
        self.rule = rule
        self.groupKey = groupKey
        self.event = event
        self.sendsAt = sendsAt
    }
}
