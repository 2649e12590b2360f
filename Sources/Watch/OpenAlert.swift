/// An alert a rule raised on one channel for one post and has not resolved yet: the trigger
/// was queued to the channel, its resolve was not.
///
/// The store keeps the set (written in the cycle's transaction, with the outbox rows that open
/// or close them), so a resolve is only ever sent for a trigger that went out, and once. Only
/// channels that resolve (a `pagerduty` channel, or a rule with `resolve when …`) have alerts.
public struct OpenAlert: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The rule's name (a rule removed by a reload leaves its alerts as they are).
    public var rule: String
    public var postId: String
    /// The channel's name in the rules.
    public var channel: String

    public init(rule: String, postId: String, channel: String) {
        self.rule = rule
        self.postId = postId
        self.channel = channel
    }

    public var description: String { "\(rule)/\(postId)/\(channel)" }
}
