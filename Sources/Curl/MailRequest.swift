import Foundation

/// One message to send over SMTP with `CurlTransport.send(_:)`.
public struct MailRequest: Sendable {
    public enum TLS: String, Sendable {
        /// `smtp://` with STARTTLS required (`CURLUSESSL_ALL`), or `smtps://` (implicit TLS).
        case required
        /// Plaintext; only when the user asked for it (`--smtp-tls none`).
        case none
    }

    /// `smtp://host:587` or `smtps://host:465`.
    public var url: String
    public var tls: TLS
    public var username: String?
    public var password: String?
    /// Envelope sender and recipients: already validated addresses (no CR, LF, `<`, `>`).
    public var from: String
    public var recipients: [String]
    /// The whole RFC 5322 message, CRLF line ends.
    public var message: Data
    public var connectTimeout: Duration
    public var totalTimeout: Duration

    public init(
        url: String, tls: TLS = .required, username: String? = nil, password: String? = nil,
        from: String, recipients: [String], message: Data,
        connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(60)
    ) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
        self.from = from
        self.recipients = recipients
        self.message = message
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

/// What the SMTP server answered: its last reply, and its answer to each recipient.
public struct MailResponse: Sendable {
    public var replyCode: Int
    /// One per recipient, in the request's order. The message went to the accepted ones only:
    /// a refused recipient does not stop the others' mail.
    public var recipients: [MailRecipientReply]

    public init(replyCode: Int, recipients: [MailRecipientReply] = []) {
        self.replyCode = replyCode
        self.recipients = recipients
    }
}
