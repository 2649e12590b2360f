import Curl
import Foundation
import Redaction
import Rules

/// A generic JSON webhook: the `NotificationDocument` itself (full post objects as the API gave
/// them), with `Idempotency-Key`, and `X-Postwatch-Signature` when the channel has a secret.
public struct WebhookChannel: Channel {
    public let name: String
    public let kind = ChannelKind.webhook
    public let rateLimit: RateLimit?
    let url: String
    let secret: String?
    let transport: CurlTransport
    let redactor: Redactor

    /// - Parameter redactor: every secret of the process, taken out of the receiver's error
    ///   text; the channel's own URL and secret are always added.
    public init(
        name: String, url: String, secret: String?, transport: CurlTransport, rateLimit: RateLimit? = nil,
        redactor: Redactor = Redactor()
    ) {
        self.name = name
        self.url = url
        self.secret = secret
        self.transport = transport
        self.rateLimit = rateLimit
        self.redactor = redactor.merging(Redactor(secrets: [secret], urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The request for a document: the exact bytes signed are the bytes sent.
    public func request(for document: NotificationDocument) throws(DeliveryFailure) -> HTTPRequest {
        let body: Data
        do {
            body = try document.encoded()
        } catch {
            throw DeliveryFailure(message: "cannot encode the document", isPermanent: true)
        }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Idempotency-Key", document.idempotencyKey),
            ("Expect", ""),
        ]
        if let secret, !secret.isEmpty {
            headers.append((WebhookSignature.headerName, WebhookSignature.sign(body, secret: secret)))
        }
        return HTTPRequest(method: .post, url: url, headers: headers, body: body, maxResponseBytes: 64 << 10)
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await transport.deliver(try request(for: document), redactor: redactor)
    }
}
