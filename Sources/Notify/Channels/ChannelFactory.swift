import Curl
import Redaction
import Rules
import Timekeeping

/// Builds the channels a rule set declares, with the transport, secrets and SMTP settings of
/// this run. Each kind builds its own (see ``ChannelKind/registration``).
public struct ChannelFactory: Sendable {
    public var transport: CurlTransport
    /// Every secret of the run: each channel takes them out of its peer's error texts.
    public var redactor: Redactor
    /// Where `console` channels write.
    public var console: @Sendable (String) -> Void
    /// The SMTP settings an email channel (named by the argument) sends with, or an error
    /// saying which settings to give: the caller knows their flag and variable names.
    public var smtp: @Sendable (_ channel: String) throws(NotifyError) -> SMTPConfiguration
    /// The run's time (an email's `Date` header).
    public var clock: any WallClock

    public init(
        transport: CurlTransport, redactor: Redactor, console: @escaping @Sendable (String) -> Void,
        clock: any WallClock = SystemClock(),
        smtp: @escaping @Sendable (_ channel: String) throws(NotifyError) -> SMTPConfiguration
    ) {
        self.clock = clock
        self.transport = transport
        self.redactor = redactor
        self.console = console
        self.smtp = smtp
    }

    /// Every channel of the rule set, in name order.
    public func channels(for rules: RuleSet) throws(NotifyError) -> [any Channel] {
        var channels: [any Channel] = []
        for declaration in rules.channels.values.sorted(by: { $0.name < $1.name }) {
            channels.append(try channel(for: declaration))
        }
        return channels
    }

    /// The channel a declaration describes; a missing target or setting is an
    /// `invalidConfiguration` error naming the channel.
    public func channel(for declaration: ChannelDeclaration) throws(NotifyError) -> any Channel {
        try declaration.kind.registration.build(declaration, self)
    }

    /// The one URL of a chat or webhook declaration.
    func url(of declaration: ChannelDeclaration) throws(NotifyError) -> String {
        guard let url = declaration.targets.first else {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(declaration.name)' has no URL")
        }
        return url
    }
}
