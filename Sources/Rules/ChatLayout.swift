/// How a chat channel lays out its messages: the channel option `layout` (`channel ops = slack
/// env:HOOK layout text`).
///
/// Slack's default is ``blocks`` (Block Kit), Mattermost's ``attachments`` (Slack's legacy
/// attachments); ``text`` keeps the plain `{"text": …}` payload that every Slack-compatible
/// receiver takes.
public enum ChatLayout: String, Sendable, Hashable, Codable, CaseIterable {
    /// Slack Block Kit: a header, a section per post, counts, link buttons, a severity colour.
    case blocks
    /// Slack's legacy attachments (Mattermost): a severity colour, fields per post, a fallback.
    case attachments
    /// `{"text": …}` in the kind's markup, as every Slack-compatible receiver takes it.
    case text
}

extension ChannelKind {
    /// The layouts a channel of this kind may choose, its default first; empty for kinds with
    /// one payload shape (they take no `layout` option).
    public var layouts: [ChatLayout] {
        switch self {
        case .slack: [.blocks, .text]
        case .mattermost: [.attachments, .text]
        case .discord, .teams, .pagerduty, .webhook, .email, .console, .ntfy, .telegram: []
        }
    }

    /// The layout a channel of this kind uses without a `layout` option (nil: it has none).
    public var defaultLayout: ChatLayout? { layouts.first }
}

extension ChannelKind {
    /// Whether a channel of this kind, in `layout` (nil: its default), shows a rule's `body`
    /// template. Structured layouts draw the posts themselves (Slack's blocks, Mattermost's
    /// attachments, Discord's embeds, Teams' cards) and PagerDuty sends one event per post:
    /// they take the rule's `title` only, and `rules lint` says so when a rule has a `body`.
    public func showsRuleBody(layout: ChatLayout?) -> Bool {
        switch self {
        case .slack, .mattermost: (layout ?? defaultLayout) == .text
        case .discord, .teams, .pagerduty: false
        case .webhook, .email, .console, .ntfy, .telegram: true
        }
    }
}
