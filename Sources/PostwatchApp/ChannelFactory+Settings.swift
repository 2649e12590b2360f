import Curl
import Notify
import Redaction
import Rules
import Timekeeping

extension ChannelFactory {
    /// The channel factory of a run, with the redactor of every secret the settings and the
    /// rules' channels hold: the one place `check`, `run`, `demo`, `config check` and
    /// `channel test` get theirs.
    init(
        settings: Settings, rules: RuleSet, transport: CurlTransport, console: @escaping @Sendable (String) -> Void,
        clock: any WallClock = SystemClock()
    ) {
        let smtp = settings.smtp
        self.init(
            transport: transport, redactor: Redactor(settings: settings, channels: rules.channels.values), console: console,
            clock: clock
        ) { name throws(NotifyError) in
            guard let smtp else {
                throw NotifyError(
                    code: .invalidConfiguration,
                    message: "channel '\(name)' sends email: set --smtp-url (POSTWATCH_SMTP_URL) and --smtp-from (POSTWATCH_SMTP_FROM)")
            }
            guard let fromText = smtp.from else {
                throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)' sends email: set --smtp-from (POSTWATCH_SMTP_FROM)")
            }
            do {
                return SMTPConfiguration(
                    url: smtp.url, tls: smtp.tls == .none ? .none : .required, username: smtp.user,
                    password: smtp.password, from: try EmailAddress(fromText))
            } catch {
                throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)': \(error)")
            }
        }
    }
}

extension CommandError {
    /// A channel that cannot be built: a configuration error (exit 2).
    init(_ error: NotifyError) {
        self.init(.configuration, error.message)
    }
}
