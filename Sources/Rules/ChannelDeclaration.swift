/// A channel a rule can notify, with its secrets already resolved.
///
/// `targets` and `secret` are secrets (webhook URLs, HMAC keys): never log or print them;
/// `name` is what logs, metrics and the outbox use.
public struct ChannelDeclaration: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let kind: ChannelKind
    /// Resolved values: one http(s) URL for chat, push and webhook kinds, addresses for email, none for console.
    public let targets: [String]
    /// The resolved `secret`: a `webhook` channel's HMAC-SHA256 key, an `ntfy` channel's access
    /// token; nil without one.
    public let secret: String?
    /// `endpoint "URL"`: where a `pagerduty` channel posts its events (nil: the kind's default).
    public let endpoint: String?
    public let location: SourceLocation
    /// True for a channel written inline in a rule's `notify` (`notify slack env:HOOK`).
    public let isInline: Bool
    /// A `webhook` channel's own body (`template …`); nil: the notification document.
    public var template: PayloadTemplate?
    /// How a `webhook` channel signs (`signature standard`); postwatch's own scheme by default.
    public var signature: WebhookSignatureScheme = .postwatch
    /// The `layout` option (`layout text`); nil: the kind's default (``ChannelKind/defaultLayout``).
    public let layout: ChatLayout?
    /// `mute during "…"`: the windows in which nothing is sent to this channel.
    public var muteDuring: [MaintenanceWindow] = []

    public init(
        name: String, kind: ChannelKind, targets: [String], secret: String? = nil,
        endpoint: String? = nil, location: SourceLocation, isInline: Bool = false, layout: ChatLayout? = nil
    ) {
        self.endpoint = endpoint
        self.name = name
        self.kind = kind
        self.targets = targets
        self.secret = secret
        self.location = location
        self.isInline = isInline
        self.layout = layout
    }

    /// Name and kind only: targets are secrets.
    public var description: String { "\(name) (\(kind.rawValue))" }
}
