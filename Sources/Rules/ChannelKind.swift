/// Where a channel delivers: chat hooks (Slack, Mattermost, Discord, Microsoft Teams), push services (ntfy,
/// Telegram), a generic JSON webhook, email, or stdout.
///
/// The rule language's list of kind names (`channel ops = slack …`). Notify implements each one
/// and its registry is an exhaustive `switch` over this enum, so a new case does not compile
/// until Notify has its file and registry line (`Notify/Channels/ChannelRegistration.swift`).
public enum ChannelKind: String, Sendable, Hashable, Codable, CaseIterable {
    case slack, mattermost, discord, webhook, email, console
    /// `ntfy "https://ntfy.sh/TOPIC"`: the topic URL is the credential.
    case ntfy
    /// `telegram "https://api.telegram.org/botTOKEN/sendMessage?chat_id=CHAT"`: the vendor's URL
    /// as given (see ``TelegramURL``).
    case telegram
    /// `pagerduty env:PD_ROUTING_KEY`: a PagerDuty Events API v2 integration's routing key,
    /// optionally with `endpoint "https://events.eu.pagerduty.com/v2/enqueue"`.
    case pagerduty
    /// `teams "https://….logic.azure.com/workflows/…&sig=…"`: a Microsoft Teams Workflows
    /// webhook URL as given (see ``TeamsURL``); the whole URL is a secret, `sig` its credential.
    case teams

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
        /// One key that is a secret and no URL, given as `env:`/`file:` only (PagerDuty's
        /// routing key).
        case secretKey
    }

    public var target: Target {
        switch self {
        case .slack, .mattermost, .discord, .webhook, .ntfy, .telegram, .teams: .oneURL
        case .email: .addresses
        case .console: .none
        case .pagerduty: .secretKey
        }
    }

    /// Chat, push and webhook kinds take one http(s) URL (a secret); email takes addresses,
    /// console nothing.
    public var takesURL: Bool { target == .oneURL }

    /// Webhooks take a `secret` (the HMAC key), ntfy one too (its access token).
    public var takesSecret: Bool {
        switch self {
        case .webhook, .ntfy: true
        case .slack, .mattermost, .discord, .email, .console, .telegram, .pagerduty, .teams: false
        }
    }

    /// PagerDuty alone takes `endpoint "URL"` (the EU service region, or a test receiver).
    public var takesEndpoint: Bool { self == .pagerduty }

    /// Rules notifying a channel of this kind resolve what they triggered without a `resolve`
    /// clause: a PagerDuty incident left open pages nobody but stays on the board forever.
    public var resolvesByDefault: Bool { self == .pagerduty }

    /// Why `url`, an http(s) URL, is not a target of this kind, or nil when it is. The text
    /// never quotes the URL: its path and query are the credential.
    public func problem(withURL url: String) -> String? {
        switch self {
        case .ntfy:
            NtfyURL(url) == nil
                ? "is not an ntfy topic URL (https://HOST/TOPIC, a topic of 1 to 64 letters, digits, '-' or '_', no query)"
                : nil
        case .telegram:
            TelegramURL.problem(with: url)
        case .teams:
            TeamsURL.problem(with: url)
        case .discord:
            DiscordURL.problem(with: url)
        case .slack, .mattermost, .webhook, .email, .console, .pagerduty:
            nil
        }
    }

    /// A loopback address (tests and local receivers stand in for a service there):
    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (four numbers 0…255, the first
    /// 127: `127.attacker.example` is a name).
    static func isLoopback(host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127"
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }

    /// The parts of a target URL that are credentials on their own, for redaction beyond the URL
    /// and its token-like path segments: Telegram's bot token (`123:ABC`, quoted without its
    /// `bot`), a Teams Workflows URL's `sig`, an ntfy topic of 8 characters or more (shorter
    /// ones read as words, and are redacted as part of the URL).
    public func credentials(inURL url: String) -> [String] {
        switch self {
        case .ntfy: NtfyURL(url).map { $0.topic.count >= 8 ? [$0.topic] : [] } ?? []
        case .telegram: TelegramURL(url).map { [$0.token] } ?? []
        // The shared access signature; the redactor also takes every query value of a URL, but
        // `sig` is named here so that it is a secret on its own, in any text, whatever its length.
        case .teams: TeamsURL(url)?.signature.map { [$0] } ?? []
        case .slack, .mattermost, .discord, .webhook, .email, .console, .pagerduty: []
        }
    }
}
