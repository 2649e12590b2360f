import Curl
import Foundation
import Timekeeping
import Watch
import Redaction
import Rules

/// Email over SMTP through libcurl: the plain-text message as an RFC 5322 mail to the
/// channel's (checked) addresses.
public struct EmailChannel: Channel {
    public let name: String
    public let kind = ChannelKind.email
    public let rateLimit: RateLimit?
    public let recipients: [EmailAddress]
    let smtp: SMTPConfiguration
    let transport: CurlTransport
    let redactor: Redactor
    /// The send time written in `Date`.
    let clock: any WallClock

    /// Checks the configuration and every address first: an invalid one is an error here, long
    /// before anything reaches libcurl. `redactor` (every secret of the process) takes secrets
    /// out of the server's replies; the SMTP URL and password are always added.
    public init(
        name: String, addresses: [String], smtp: SMTPConfiguration, transport: CurlTransport,
        rateLimit: RateLimit? = nil, redactor: Redactor = Redactor(), clock: any WallClock = SystemClock()
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
        self.clock = clock
    }

    public var destination: String { "smtp " + smtp.url }
    public var redactedDestination: String { redactedURL(smtp.url) }

    /// The message for a document.
    public func message(for document: NotificationDocument) -> EmailMessage {
        EmailMessage(
            from: smtp.from, fromName: smtp.fromName, to: recipients, subject: document.message.title,
            body: document.message.body, date: clock.now, idempotencyKey: document.idempotencyKey,
            extraHeaders: [("X-Postwatch-Severity", document.severity.rawValue)])
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await send(document, to: nil)
    }

    /// Sends to `addresses` (nil: all of the channel's); `To` names all of them either way, it
    /// is the same message. When the server refuses some addresses only, the others get it and
    /// the thrown failure says, address by address, who is retried (4xx) and who never (5xx).
    ///
    /// The outbox keeps each address as ``recordedAddress(_:)`` gives it (the state file is an
    /// output: an address that happens to hold a secret is kept redacted), so `addresses` are
    /// recorded forms, mapped back to the channel's own addresses here.
    public func send(_ document: NotificationDocument, to addresses: [String]?) async throws(DeliveryFailure) {
        let all = recipients.map(\.value)
        let envelope = addresses.map { recorded in all.filter { recorded.contains(recordedAddress($0)) } } ?? all
        let request = MailRequest(
            url: smtp.url, tls: smtp.tls, username: smtp.username, password: smtp.password,
            from: smtp.from.value, recipients: envelope, message: message(for: document).rendered())
        let response: MailResponse
        do {
            response = try await transport.send(request)
        } catch {
            var failure = DeliveryFailure.transport(error, redactor: redactor)
            if let curl = error as? CurlError, !curl.recipientReplies.isEmpty {
                // Refused for all, or the message refused after the addresses were accepted:
                // those share the message's fate, the refused ones keep their own.
                let fate: OutboxEntry.State = failure.isPermanent ? .dead : .pending
                failure.recipients = outcomes(envelope, curl.recipientReplies, accepted: fate, reason: failure.message)
                failure.isPermanent = !failure.recipients.contains { $0.state == .pending }
            }
            throw failure
        }
        guard response.recipients.contains(where: { !$0.isAccepted }) else { return }
        let outcomes = outcomes(envelope, response.recipients, accepted: .delivered, reason: nil)
        throw DeliveryFailure(
            message: redactor.redact(outcomes.summary), isPermanent: !outcomes.contains { $0.state == .pending }, recipients: outcomes)
    }

    /// What became of each address: an accepted one `accepted`, a refused one pending (4xx) or
    /// dead (5xx) with the server's reply; one the server was never asked about (the session
    /// ended first) shares the message's fate, or is pending.
    private func outcomes(
        _ envelope: [String], _ replies: [MailRecipientReply], accepted: OutboxEntry.State, reason: String?
    ) -> [OutboxRecipient] {
        envelope.map { address in
            let recorded = recordedAddress(address)
            guard let reply = replies.first(where: { $0.address == address }) else {
                return OutboxRecipient(address: recorded, state: accepted == .delivered ? .pending : accepted, reply: reason)
            }
            if reply.isAccepted {
                return OutboxRecipient(address: recorded, state: accepted, reply: accepted == .delivered ? nil : reason)
            }
            return OutboxRecipient(address: recorded, state: reply.code >= 500 ? .dead : .pending, reply: redactor.redact(reply.reply))
        }
    }

    /// An address as the outbox records it: redacted like any text that is stored.
    func recordedAddress(_ address: String) -> String { redactor.redact(address) }
}
