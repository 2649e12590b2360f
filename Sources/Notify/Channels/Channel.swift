import Curl
import Foundation
import Watch
import Redaction
import Rules

/// One destination kind: sends a notification document, or says why it could not.
///
/// A new channel kind is one file in `Channels/Kinds/` (its registration, and a type
/// conforming to this protocol unless an existing one serves) plus one line in
/// ``ChannelKind/registration``.
public protocol Channel: Sendable {
    /// The channel's name in the rules.
    var name: String { get }
    var kind: ChannelKind { get }
    /// Where the rate limit applies (one key per URL or SMTP server); never shown.
    var destination: String { get }
    /// The rate limit of the destination (`nil`: none).
    var rateLimit: RateLimit? { get }
    /// A form of the destination safe for logs: `https://hooks.slack.com/…`.
    var redactedDestination: String { get }

    /// Sends `document`; the message in it is already rendered for `format`.
    func send(_ document: NotificationDocument) async throws(DeliveryFailure)

    /// Sends `document` to these of the channel's addresses only (nil: all), when the channel
    /// has addresses of its own (email: the ones a previous attempt left waiting). A
    /// ``DeliveryFailure`` with `recipients` says what became of each.
    func send(_ document: NotificationDocument, to addresses: [String]?) async throws(DeliveryFailure)
}

extension Channel {
    /// The message format this channel renders in: its kind's (see ``ChannelKind/format``).
    public var format: MessageFormat { kind.format }

    /// A channel without addresses of its own sends to its one destination.
    public func send(_ document: NotificationDocument, to addresses: [String]?) async throws(DeliveryFailure) {
        try await send(document)
    }
}

/// Why a send did not succeed, and whether trying again can help.
public struct DeliveryFailure: Error, Sendable, CustomStringConvertible {
    /// A message free of URLs and secrets: what the peer said is redacted when the failure is
    /// made from its answer (``http(_:redactor:)``, ``transport(_:redactor:)``), before it is
    /// logged or stored in the outbox.
    public var message: String
    /// 4xx other than 408/429, a bad payload, an invalid address: never retried.
    public var isPermanent: Bool
    /// The server asked to wait this long (`Retry-After`).
    public var retryAfter: Duration?
    /// Email answered address by address: what became of each address of the attempt (some
    /// may be delivered). Empty when the attempt failed as a whole.
    public var recipients: [OutboxRecipient]
    /// The destination itself is gone for good (a deleted Discord webhook answers 404): every
    /// notification waiting for the channel would fail the same way, so delivery marks them
    /// all dead at once and says so once. Implies ``isPermanent``.
    public var destinationGone: Bool

    public init(
        message: String, isPermanent: Bool = false, retryAfter: Duration? = nil, recipients: [OutboxRecipient] = [],
        destinationGone: Bool = false
    ) {
        self.message = message
        self.isPermanent = isPermanent || destinationGone
        self.retryAfter = retryAfter
        self.recipients = recipients
        self.destinationGone = destinationGone
    }

    public var description: String { message }

    /// Waits at least as long as a 429's JSON body asks (`retry_after` at `path`, float
    /// seconds: Discord `{"retry_after": 1.5}`, Telegram `{"parameters": {"retry_after": 3}}`),
    /// when that is longer than `Retry-After`; clamped to a day, ignored unless positive.
    mutating func waitAtLeast(retryAfterInBody body: Data, at path: [String]) {
        guard var object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return }
        for key in path.dropLast() {
            guard let inner = object[key] as? [String: Any] else { return }
            object = inner
        }
        guard let key = path.last, let seconds = (object[key] as? NSNumber)?.doubleValue, seconds.isFinite, seconds > 0 else { return }
        let wait = Duration.milliseconds(Int64((min(seconds, 86_400) * 1000).rounded(.up)))
        retryAfter = max(retryAfter ?? .zero, wait)
    }

    /// The failure an HTTP answer means, nil for 2xx.
    ///
    /// The start of the error body helps (`invalid_payload`, `channel_not_found`), but it is the
    /// receiver's words, and receivers quote the request (`Cannot POST /services/T0/B0/TOKEN`):
    /// it is redacted against every secret of the process, then cut and kept on one line. In
    /// that order: a token cut in half by the limit would no longer match.
    static func http(_ response: HTTPResponse, redactor: Redactor) -> DeliveryFailure? {
        let status = response.status
        if (200..<300).contains(status) { return nil }
        // 4 KB is far more than is shown; a secret cut at its end is still found (`Redactor`).
        let body = redactor.redact(String(decoding: response.body.prefix(4096), as: UTF8.self))
        let detail = TextFormatting.shortened(body, limit: 120)
        let message = "HTTP \(status)" + (detail.isEmpty ? "" : ": \(detail)")
        switch status {
        // `Curl` reads `Retry-After` (seconds or a date) whenever the header is there.
        case 408, 429: return DeliveryFailure(message: message, retryAfter: response.retryAfter)
        case 400..<500: return DeliveryFailure(message: message, isPermanent: true)
        default: return DeliveryFailure(message: message, retryAfter: response.retryAfter)
        }
    }

    /// The failure a transport error means, redacted: libcurl's message can quote the peer (an
    /// SMTP server's refusal repeats the address, sometimes the login).
    static func transport(_ error: any Error, redactor: Redactor) -> DeliveryFailure {
        if let curl = error as? CurlError {
            // A bad URL, a refused protocol or an invalid request never gets better; an SMTP
            // refusal does only when the server said 4xx (5xx is permanent, RFC 5321 4.2.1),
            // whatever the command: MAIL, RCPT, or the message after DATA.
            let permanent = curl.code == .badURL || curl.code == .protocolNotAllowed || curl.code == .invalidRequest
                || (curl.code == .smtpRejected && (500..<600).contains(curl.smtpReply))
            return DeliveryFailure(message: redactor.redact("\(curl.code): \(curl.description)"), isPermanent: permanent)
        }
        return DeliveryFailure(message: redactor.redact(String(describing: error)))
    }
}

/// `https://hooks.slack.com/…`: the scheme and host of a URL, never its path or credentials.
public func redactedURL(_ url: String) -> String {
    Redactor.redactedURL(url)
}

extension CurlTransport {
    /// Sends a channel's HTTP request: a transport error, or an answer other than 2xx, becomes
    /// the ``DeliveryFailure`` it means, with every secret `redactor` knows taken out.
    func deliver(_ request: HTTPRequest, redactor: Redactor) async throws(DeliveryFailure) {
        let response: HTTPResponse
        do {
            response = try await send(request)
        } catch {
            throw DeliveryFailure.transport(error, redactor: redactor)
        }
        if let failure = DeliveryFailure.http(response, redactor: redactor) { throw failure }
    }
}
