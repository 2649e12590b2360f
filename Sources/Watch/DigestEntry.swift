import Foundation

/// One event a digest collected, to send at the rule's next digest time.
public struct DigestEntry: Sendable, Hashable {
    public var rule: String
    public var groupKey: String
    public var event: Event
    public init(rule: String, groupKey: String, event: Event) {
        self.rule = rule
        self.groupKey = groupKey
        self.event = event
    }
}
