import Curl
import Foundation
import Redaction
import Rules

/// Slack and Mattermost incoming webhooks: `{"text": …}` POSTed as JSON.
public struct ChatChannel: Channel {
    public let name: String
    public let kind: ChannelKind
    public let rateLimit: RateLimit?
    let url: String
    let transport: CurlTransport
    let redactor: Redactor

    /// - Parameters:
    ///   - kind: `slack` or `mattermost`.
    ///   - url: the incoming webhook URL (a secret: never logged).
    ///   - redactor: every secret of the process, taken out of the receiver's error text; the
    ///     channel's own URL is always added.
    public init(
        name: String, kind: ChannelKind, url: String, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor()
    ) {
        self.name = name
        self.kind = kind
        self.rateLimit = rateLimit
        self.transport = transport
        self.url = url
        self.redactor = redactor.merging(Redactor(urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The JSON body for a message.
    public static func body(_ message: NotificationDocument.Message) throws -> Data {
        let text = MessageRenderer.text(title: message.title, body: message.body, format: message.format)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(["text": text])
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        let body: Data
        do {
            body = try Self.body(document.message)
        } catch {
            throw DeliveryFailure(message: "cannot encode the message", isPermanent: true)
        }
        let request = HTTPRequest(
            method: .post, url: url,
            headers: [("Content-Type", "application/json; charset=utf-8"), ("Expect", "")],
            body: body, maxResponseBytes: 64 << 10)
        try await transport.deliver(request, redactor: redactor)
    }
}

extension ChannelRegistration {
    /// A Slack-compatible chat kind: one incoming webhook URL, `{"text": …}` in its own markup
    /// (a format named after the kind).
    static func chat(_ kind: ChannelKind, markup: MessageFormat.Markup) -> ChannelRegistration {
        ChannelRegistration(format: MessageFormat(name: kind.rawValue, markup: markup)) { declaration, factory throws(NotifyError) in
            ChatChannel(
                name: declaration.name, kind: kind, url: try factory.url(of: declaration), transport: factory.transport,
                redactor: factory.redactor)
        }
    }
}
