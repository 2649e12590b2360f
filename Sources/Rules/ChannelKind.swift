/// Where a channel delivers: Slack-compatible chat hooks, a generic JSON webhook, email, or stdout.
///
/// The rule language's list of kind names (`channel ops = slack …`). Notify implements each one
/// and its registry is an exhaustive `switch` over this enum, so a new case does not compile
/// until Notify has its file and registry line (`Notify/Channels/ChannelRegistration.swift`).
public enum ChannelKind: String, Sendable, Hashable, Codable, CaseIterable {
    case slack, mattermost, discord, webhook, email, console

    /// Chat and webhook kinds take one http(s) URL (a secret); email takes addresses, console
    /// nothing.
    public var takesURL: Bool {
        switch self {
        case .slack, .mattermost, .discord, .webhook: true
        case .email, .console: false
        }
    }
}
