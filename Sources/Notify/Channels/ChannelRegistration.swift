import Rules

/// One channel kind as Notify implements it: the format its messages are written in, and how
/// a declared channel of the kind is built. Each kind's is in its own file in `Kinds/`.
struct ChannelRegistration: Sendable {
    let format: MessageFormat
    let build: @Sendable (ChannelDeclaration, ChannelFactory) throws(NotifyError) -> any Channel
}

extension ChannelKind {
    /// The registry of channel kinds.
    ///
    /// Rules owns the list of kind names (rule files say `slack`, and Rules cannot import
    /// Notify); this switch is exhaustive, so a kind added there does not compile until it has
    /// its line here. A new kind is its case in `ChannelKind`, its file in `Kinds/`, this line.
    var registration: ChannelRegistration {
        switch self {
        case .slack: .slack
        case .mattermost: .mattermost
        case .discord: .discord
        case .webhook: .webhook
        case .email: .email
        case .console: .console
        case .ntfy: .ntfy
        case .telegram: .telegram
        case .pagerduty: .pagerduty
        case .teams: .teams
        }
    }

    /// The format messages for this kind are rendered in.
    public var format: MessageFormat { registration.format }
}
