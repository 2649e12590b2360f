import Curl
import Foundation
import Redaction

/// Email over SMTP through libcurl: the plain-text message as an RFC 5322 mail to the
/// channel's (checked) addresses.
public struct EmailChannel: Channel {
    public let name: String
    public let kind = "email"
    public let format = MessageFormat.plain
    public let rateLimit: RateLimit?
    public let recipients: [EmailAddress]
    let smtp: SMTPConfiguration
    let transport: CurlTransport
    let redactor: Redactor
    /// The send time written in `Date`.
    let now: @Sendable () -> Date

    /// Checks the configuration and every address first: an invalid one is an error here, long
    /// before anything reaches libcurl. `redactor` (every secret of the process) takes secrets
    /// out of the server's replies; the SMTP URL and password are always added.
    public init(
        name: String, addresses: [String], smtp: SMTPConfiguration, transport: CurlTransport,
        rateLimit: RateLimit? = nil, redactor: Redactor = Redactor(), now: @escaping @Sendable () -> Date = { Date() }
    ) throws(NotifyError) {
        try smtp.validate()
        var recipients: [EmailAddress] = []
        for address in addresses { recipients.append(try EmailAddress(address)) }
        guard !recipients.isEmpty else {
            throw NotifyError(code: .invalidConfiguration, message: "email channel '\(name)' has no address")
        }
        self.name = name
        self.recipients = recipients
        self.smtp = smtp
        self.transport = transport
        self.rateLimit = rateLimit
        self.redactor = redactor.merging(Redactor(secrets: [smtp.password], urls: [smtp.url]))
        self.now = now
    }

    public var destination: String { "smtp " + smtp.url }
    public var redactedDestination: String { redactedURL(smtp.url) }

    /// The message for a document.
    public func message(for document: NotificationDocument) -> EmailMessage {
        EmailMessage(
            from: smtp.from, fromName: smtp.fromName, to: recipients, subject: document.message.title,
            body: document.message.body, date: now(), idempotencyKey: document.idempotencyKey,
            extraHeaders: [("X-Postwatch-Severity", document.severity)])
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        let request = MailRequest(
            url: smtp.url, tls: smtp.tls, username: smtp.username, password: smtp.password,
            from: smtp.from.value, recipients: recipients.map(\.value), message: message(for: document).rendered())
        do {
            _ = try await transport.send(request)
        } catch {
            throw DeliveryFailure.transport(error, redactor: redactor)
        }
    }
}
