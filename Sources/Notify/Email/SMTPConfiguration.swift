import Curl

/// How email is sent (`--smtp-url`, `--smtp-tls`, `--smtp-user`, `POSTWATCH_SMTP_PASSWORD`,
/// `--smtp-from`); built by the command line, never read from the environment here.
public struct SMTPConfiguration: Sendable {
    /// `smtp://host:587` (STARTTLS required unless `tls` is `.none`) or `smtps://host:465`.
    public var url: String
    /// `.required` (the default) or `.none` (plaintext; only when the user asked for it).
    public var tls: MailRequest.TLS
    public var username: String?
    /// Never logged; shown nowhere.
    public var password: String?
    /// The envelope sender and `From`.
    public var from: EmailAddress
    /// The display name in `From`.
    public var fromName: String?

    public init(
        url: String, tls: MailRequest.TLS = .required, username: String? = nil, password: String? = nil,
        from: EmailAddress, fromName: String? = "postwatch"
    ) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
        self.from = from
        self.fromName = fromName
    }

    /// Checks the URL's scheme: `smtp://` or `smtps://`, and `smtps://` never with `tls: .none`.
    public func validate() throws(NotifyError) {
        let lower = url.lowercased()
        let isSMTPS = lower.hasPrefix("smtps://")
        guard isSMTPS || lower.hasPrefix("smtp://") else {
            throw NotifyError(code: .invalidConfiguration, message: "the SMTP URL must start with smtp:// or smtps://")
        }
        guard !(isSMTPS && tls == .none) else {
            throw NotifyError(code: .invalidConfiguration, message: "smtps:// is implicit TLS: it cannot be used with --smtp-tls none")
        }
        guard !url.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw NotifyError(code: .invalidConfiguration, message: "the SMTP URL contains white space or control characters")
        }
        if let username, username.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw NotifyError(code: .invalidConfiguration, message: "the SMTP user name contains control characters")
        }
        if let password, password.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw NotifyError(code: .invalidConfiguration, message: "the SMTP password contains a line break")
        }
    }
}
