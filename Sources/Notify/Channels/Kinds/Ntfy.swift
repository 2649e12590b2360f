import Curl
import Foundation
import Redaction
import Rules

/// An ntfy topic (`https://ntfy.sh/mytopic`), published to in ntfy's JSON form: one POST to the
/// server's root with `topic`, `title`, `message`, `priority`, `tags` and `click` in the body.
///
/// The JSON form, not the header form (`Title:`, `Tags:`, `Click:` on a POST to the topic), so
/// that nothing from a post ever becomes an HTTP header: a caption or rule name with CR/LF
/// cannot add or change a header, whatever it holds. The only headers are fixed ones and the
/// optional `Authorization: Bearer` access token (checked to be one line when the rules load).
///
/// Priority by severity (ntfy's 1–5 scale): critical 5 (urgent: a long vibration and a pop-over
/// on Android), warning 4 (high), info 3 (default). Tags become emoji on the phone.
public struct NtfyChannel: Channel {
    public let name: String
    public let kind = ChannelKind.ntfy
    public let rateLimit: RateLimit?
    let url: String
    let topic: NtfyURL
    let token: String?
    let transport: CurlTransport
    let redactor: Redactor
    /// The longest one request may take (a test shortens it).
    let timeout: Duration

    /// - Parameters:
    ///   - url: the topic URL (a secret: never logged).
    ///   - token: the access token (`tk_…`) of a protected topic, or nil.
    ///   - redactor: every secret of the process; the URL, topic and token are always added.
    ///   - timeout: the longest one request may take.
    public init(
        name: String, url: String, token: String? = nil, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor(), timeout: Duration = .seconds(30)
    ) throws(NotifyError) {
        guard let topic = NtfyURL(url) else {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)': not an ntfy topic URL (https://HOST/TOPIC)")
        }
        if let token, token.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)': the access token is not one line")
        }
        self.name = name
        self.url = url
        self.topic = topic
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.transport = transport
        self.timeout = timeout
        self.rateLimit = rateLimit
        self.redactor = redactor.merging(Redactor(secrets: [token] + ChannelKind.ntfy.credentials(inURL: url), urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// ntfy's priority for a severity: 5 urgent, 4 high, 3 default.
    public static func priority(_ severity: Severity) -> Int {
        switch severity {
        case .critical: 5
        case .warning: 4
        case .info: 3
        }
    }

    /// ntfy shows a tag that is an emoji short code as that emoji; the others as words.
    public static func tags(_ severity: Severity) -> [String] {
        switch severity {
        case .critical: ["rotating_light", "postwatch", "critical"]
        case .warning: ["warning", "postwatch", "warning"]
        case .info: ["information_source", "postwatch", "info"]
        }
    }

    /// The JSON publish body: keys sorted, so the same document always gives the same bytes.
    public func body(_ document: NotificationDocument) throws -> Data {
        struct Publish: Encodable {
            let topic: String
            let title: String
            let message: String
            let priority: Int
            let tags: [String]
            let click: String?
        }
        // The first post's content: where a tap on the notification should lead.
        let click = document.events.lazy.compactMap { $0.post.contentUrl.urls.first }.first.flatMap(MessageFormat.linkableURL)
        let message = document.message
        let publish = Publish(
            topic: topic.topic, title: message.title, message: message.body.isEmpty ? message.title : message.body,
            priority: Self.priority(document.severity), tags: Self.tags(document.severity), click: click)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(publish)
    }

    /// The request for a document: JSON to the server's root, the token as a bearer.
    public func request(for document: NotificationDocument) throws(DeliveryFailure) -> HTTPRequest {
        let body: Data
        do {
            body = try self.body(document)
        } catch {
            throw DeliveryFailure(message: "cannot encode the message", isPermanent: true)
        }
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json; charset=utf-8"), ("Expect", "")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPRequest(method: .post, url: topic.root, headers: headers, body: body, totalTimeout: timeout, maxResponseBytes: 64 << 10)
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await transport.deliver(try request(for: document), redactor: redactor)
    }
}

extension ChannelRegistration {
    /// `ntfy`: a topic URL, an optional access token as the channel's `secret`.
    static let ntfy = ChannelRegistration(format: MessageFormat(name: "ntfy", markup: .ntfy)) { declaration, factory throws(NotifyError) in
        try NtfyChannel(
            name: declaration.name, url: try factory.url(of: declaration), token: declaration.secret, transport: factory.transport,
            redactor: factory.redactor)
    }
}

extension MessageFormat {
    /// The ntfy markup (the format of `ntfy` channels).
    public static var ntfy: MessageFormat { ChannelKind.ntfy.format }
}

extension MessageFormat.Markup {
    /// ntfy shows plain text (its Markdown is off unless asked for): nothing to escape, since
    /// the text travels as a JSON string and never as a header. ntfy.sh keeps messages up to
    /// 4,096 bytes as text; the renderer counts UTF-16 units, so 4,000 leaves room for the
    /// usual mostly-ASCII message (a longer one lists fewer posts: "…and N more").
    static let ntfy = MessageFormat.Markup(
        limit: 4_000,
        escape: { $0 },
        link: { _, url, label in "\(label): \(url)" },
        bold: { $0 },
        defaultBody: DefaultTemplates.plain)
}
