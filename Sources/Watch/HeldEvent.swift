import Foundation

/// An event a rule matched and did not send, and why (a maintenance window): kept in the
/// routing's answer so that no muted event goes unaccounted for.
public struct HeldEvent: Sendable, Hashable, Codable {
    public var rule: String
    public var postId: String
    /// The channel muted, nil when the rule itself is (none of its channels got the event).
    public var channel: String?
    /// `window "weekend" until 2026-03-30T00:00:00+02:00`
    public var reason: String
    public var event: Event

    public init(rule: String, postId: String, channel: String?, reason: String, event: Event) {
        self.rule = rule
        self.postId = postId
        self.channel = channel
        self.reason = reason
        self.event = event
    }
}
