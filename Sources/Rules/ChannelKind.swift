/// Where a channel delivers: Slack-compatible chat hooks, a generic JSON webhook, email, or stdout.
///
/// The rule language's list of kind names (`channel ops = slack …`). Notify implements each one
/// and its registry is an exhaustive `switch` over this enum, so a new case does not compile
/// until Notify has its file and registry line (`Notify/Channels/ChannelRegistration.swift`).
public enum ChannelKind: String, Sendable, Hashable, Codable, CaseIterable {
    case slack, mattermost, discord, webhook, email, console

    /// What a declaration of the kind names after the kind word, which the checker validates
    /// and the redactor treats as a secret. The rule language's one fact about a kind besides
    /// its name: a new kind is its case and its line here.
    public enum Target: Sendable, Hashable {
        /// One http(s) URL, a secret (`slack env:OPS_SLACK_WEBHOOK`).
        case oneURL
        /// One or more email addresses.
        case addresses
        /// Nothing (`console`).
        case none
    }

    public var target: Target {
        switch self {
        case .slack, .mattermost, .discord, .webhook: .oneURL
        case .email: .addresses
        case .console: .none
        }
    }

    /// Chat and webhook kinds take one http(s) URL (a secret); email takes addresses, console
    /// nothing.
    public var takesURL: Bool { target == .oneURL }
}
