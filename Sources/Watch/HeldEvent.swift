import Foundation

/// An event a rule matched and did not send because a maintenance window was open: kept in the
/// routing's answer so that no muted event goes unaccounted for (history records it as held by
/// that window until it closes).
public struct HeldEvent: Sendable, Hashable, Codable {
    public var rule: String
    public var postId: String
    /// The channel muted, nil when the rule itself is (none of its channels got the event).
    public var channel: String?
    /// The window's name.
    public var window: String
    /// When the window closes (nil: not within a month, as `every day` all day).
    public var until: Date?
    /// `window "weekend" until 2026-03-30T00:00:00+02:00`, in the window's own offset.
    public var reason: String
    public var event: Event

    public init(rule: String, postId: String, channel: String?, window: String, until: Date?, reason: String, event: Event) {
        self.rule = rule
        self.postId = postId
        self.channel = channel
        self.window = window
        self.until = until
        self.reason = reason
        self.event = event
    }
}
