import Curl
import Foundation
import Redaction
import Rules
import Timekeeping

/// A generic JSON webhook: the `NotificationDocument` itself (full post objects as the API gave
/// them), or the channel's own `template` rendered over it, with `Idempotency-Key`, and a
/// signature when the channel has a secret: `X-Postwatch-Signature`, or the Standard Webhooks
/// headers (`signature standard`).
public struct WebhookChannel: Channel {
    public let name: String
    public let kind = ChannelKind.webhook
    public let rateLimit: RateLimit?
    let url: String
    let secret: String?
    let template: PayloadTemplate?
    let signature: WebhookSignatureScheme
    /// The decoded `whsec_` key of `signature standard`.
    let standardKey: Data?
    /// `webhook-timestamp` is read from it at each attempt.
    let clock: any WallClock
    let transport: CurlTransport
    let redactor: Redactor

    /// A channel that posts the notification document, signed with `X-Postwatch-Signature`
    /// when `secret` is set.
    ///
    /// - Parameter redactor: every secret of the process, taken out of the receiver's error
    ///   text; the channel's own URL and secret are always added.
    public init(
        name: String, url: String, secret: String?, transport: CurlTransport, rateLimit: RateLimit? = nil,
        redactor: Redactor = Redactor()
    ) {
        self.init(
            name: name, url: url, secret: secret.flatMap { $0.isEmpty ? nil : $0 }, standardKey: nil, transport: transport,
            rateLimit: rateLimit, redactor: redactor, template: nil, signature: .postwatch, clock: SystemClock())
    }

    /// A channel with every option of the rule language.
    ///
    /// - Parameters:
    ///   - template: the channel's own body; nil sends the notification document.
    ///   - signature: how to sign when `secret` is set; `.standard` needs a `whsec_…` secret
    ///     (an `invalidConfiguration` error otherwise).
    ///   - clock: the time of `webhook-timestamp`.
    public init(
        name: String, url: String, secret: String?, transport: CurlTransport, rateLimit: RateLimit? = nil,
        redactor: Redactor = Redactor(), template: PayloadTemplate?, signature: WebhookSignatureScheme, clock: any WallClock
    ) throws(NotifyError) {
        let secret = secret.flatMap { $0.isEmpty ? nil : $0 }
        var standardKey: Data?
        if signature == .standard {
            guard let secret, let key = WebhookSignatureScheme.standardKey(secret) else {
                throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)': 'signature standard' needs a secret of the form whsec_<base64>")
            }
            standardKey = key
        }
        self.init(
            name: name, url: url, secret: secret, standardKey: standardKey, transport: transport, rateLimit: rateLimit,
            redactor: redactor, template: template, signature: signature, clock: clock)
    }

    private init(
        name: String, url: String, secret: String?, standardKey: Data?, transport: CurlTransport, rateLimit: RateLimit?,
        redactor: Redactor, template: PayloadTemplate?, signature: WebhookSignatureScheme, clock: any WallClock
    ) {
        self.name = name
        self.url = url
        self.secret = secret
        self.template = template
        self.signature = signature
        self.standardKey = standardKey
        self.clock = clock
        self.transport = transport
        self.rateLimit = rateLimit
        // A `whsec_` secret's base64 part is the key too, should a receiver quote it alone.
        let key = standardKey != nil ? secret.map { String($0.dropFirst(6)) } : nil
        self.redactor = redactor.merging(Redactor(secrets: [secret, key], urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The body for a document: its JSON form, or the template rendered over it (checked to be
    /// JSON: a template that renders anything else fails for good, and sends nothing).
    public func body(for document: NotificationDocument) throws(DeliveryFailure) -> Data {
        let json: Data
        do {
            json = try document.encoded()
        } catch {
            throw DeliveryFailure(message: "cannot encode the document", isPermanent: true)
        }
        guard let template else { return json }
        do {
            return try template.render(document: json)
        } catch {
            throw DeliveryFailure(message: error.message, isPermanent: true)
        }
    }

    /// The request for a document: the exact bytes signed are the bytes sent.
    public func request(for document: NotificationDocument) throws(DeliveryFailure) -> HTTPRequest {
        let body = try self.body(for: document)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Idempotency-Key", document.idempotencyKey),
            ("Expect", ""),
        ]
        if let standardKey {
            // The idempotency key is the message id: the same across retries, so receivers dedupe.
            let timestamp = Int64(clock.now.timeIntervalSince1970.rounded(.down))
            headers.append((StandardWebhookSignature.idHeader, document.idempotencyKey))
            headers.append((StandardWebhookSignature.timestampHeader, String(timestamp)))
            headers.append((
                StandardWebhookSignature.signatureHeader,
                StandardWebhookSignature.sign(body, id: document.idempotencyKey, timestamp: timestamp, key: standardKey)))
        } else if let secret {
            headers.append((WebhookSignature.headerName, WebhookSignature.sign(body, secret: secret)))
        }
        return HTTPRequest(method: .post, url: url, headers: headers, body: body, maxResponseBytes: 64 << 10)
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await transport.deliver(try request(for: document), redactor: redactor)
    }
}
