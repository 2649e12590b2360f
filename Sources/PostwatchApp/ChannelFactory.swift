import Curl
import Notify
import Redaction
import Rules

/// Builds the channels a rule set declares, with the transport and SMTP settings of this run.
struct ChannelFactory: Sendable {
    let transport: CurlTransport
    let smtp: Settings.SMTP?
    /// Every secret of the run: each channel takes them out of its peer's error texts.
    let redactor: Redactor
    /// Where `console` channels write.
    let console: @Sendable (String) -> Void

    /// Every channel of the rule set; an email channel without `--smtp-url` is a configuration error.
    func channels(for rules: RuleSet) throws(CommandError) -> [any Channel] {
        var channels: [any Channel] = []
        for declaration in rules.channels.values.sorted(by: { $0.name < $1.name }) {
            channels.append(try channel(for: declaration))
        }
        return channels
    }

    func channel(for declaration: ChannelDeclaration) throws(CommandError) -> any Channel {
        let name = declaration.name
        switch declaration.kind {
        case .slack, .mattermost, .discord:
            guard let url = declaration.targets.first else {
                throw CommandError(.configuration, "channel '\(name)' has no URL")
            }
            return ChatChannel(name: name, kind: declaration.kind.rawValue, url: url, transport: transport, redactor: redactor)
        case .webhook:
            guard let url = declaration.targets.first else {
                throw CommandError(.configuration, "channel '\(name)' has no URL")
            }
            return WebhookChannel(name: name, url: url, secret: declaration.secret, transport: transport, redactor: redactor)
        case .email:
            guard let smtp else {
                throw CommandError(
                    .configuration,
                    "channel '\(name)' sends email: set --smtp-url (POSTWATCH_SMTP_URL) and --smtp-from (POSTWATCH_SMTP_FROM)")
            }
            guard let fromText = smtp.from else {
                throw CommandError(.configuration, "channel '\(name)' sends email: set --smtp-from (POSTWATCH_SMTP_FROM)")
            }
            do {
                let configuration = SMTPConfiguration(
                    url: smtp.url, tls: smtp.tls == .none ? .none : .required, username: smtp.user,
                    password: smtp.password, from: try EmailAddress(fromText))
                return try EmailChannel(
                    name: name, addresses: declaration.targets, smtp: configuration, transport: transport,
                    redactor: redactor)
            } catch {
                throw CommandError(.configuration, "channel '\(name)': \(error)")
            }
        case .console:
            return ConsoleChannel(name: name, write: console)
        }
    }
}
