import Curl
import Foundation

/// A generic JSON webhook: the `NotificationDocument` itself (full post objects as the API gave
/// them), with `Idempotency-Key`, and `X-Postwatch-Signature` when the channel has a secret.
public struct WebhookChannel: Channel {
    public let name: String
    public let kind = "webhook"
    public let format = MessageFormat.plain
    public let rateLimit: RateLimit?
    let url: String
    let secret: String?
    let transport: CurlTransport

    public init(name: String, url: String, secret: String?, transport: CurlTransport, rateLimit: RateLimit? = nil) {
        self.name = name
        self.url = url
        self.secret = secret
        self.transport = transport
        self.rateLimit = rateLimit
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
        try await transport.deliver(try request(for: document), redact: redact)
    }

    func redact(_ text: String) -> String {
        var out = text.replacingOccurrences(of: url, with: redactedDestination)
        if let secret, !secret.isEmpty { out = out.replacingOccurrences(of: secret, with: "…") }
        return out
    }
}
