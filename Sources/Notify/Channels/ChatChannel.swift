import Curl
import Foundation
import Redaction
import Rules

/// Slack and Mattermost incoming webhooks: JSON POSTed in the channel's layout.
///
/// ``ChatLayout/text`` is `{"text": …}` in the kind's markup, which every Slack-compatible
/// receiver takes; Slack's default is Block Kit (``SlackBlockKit``), Mattermost's the legacy
/// attachments (``MattermostAttachments``).
///
/// A structured layout may send a notification as several messages (a split Block Kit
/// message, `(1/3)`…), in order. When message k fails, a retry by the same process starts at
/// message k: the channel remembers how many messages of each notification were taken. After
/// a restart the memory is gone and a retry sends every message again, so delivery is at least
/// once: a reader may see the first messages of one notification twice, never another's.
public struct ChatChannel: HTTPChannel {
    public let name: String
    public let kind: ChannelKind
    public let rateLimit: RateLimit?
    /// The payload shape: the declared `layout`, else the kind's default.
    public let layout: ChatLayout
    let url: String
    let transport: CurlTransport
    let redactor: Redactor
    let progress = SentMessages()

    /// - Parameters:
    ///   - kind: `slack` or `mattermost`.
    ///   - url: the incoming webhook URL (a secret: never logged).
    ///   - layout: nil for the kind's default (``ChannelKind/defaultLayout``).
    ///   - redactor: every secret of the process, taken out of the receiver's error text; the
    ///     channel's own URL is always added.
    public init(
        name: String, kind: ChannelKind, url: String, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor(), layout: ChatLayout? = nil
    ) {
        self.name = name
        self.kind = kind
        self.rateLimit = rateLimit
        self.transport = transport
        self.layout = layout.flatMap { kind.layouts.contains($0) ? $0 : nil } ?? kind.defaultLayout ?? .text
        self.url = url
        self.redactor = redactor.merging(Redactor(urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The JSON body of the text layout: `{"text": …}`.
    public static func body(_ message: NotificationDocument.Message) -> Data {
        let text = MessageRenderer.text(title: message.title, body: message.body, format: message.format)
        return JSONValue.object([(key: "text", value: .string(text))]).data
    }

    /// The JSON bodies a document is sent as, in order: one for the text layout, one or more
    /// for the structured ones.
    public func bodies(for document: NotificationDocument) -> [Data] {
        switch layout {
        case .text: [Self.body(document.message)]
        case .blocks: SlackBlockKit(document: document).bodies()
        case .attachments: MattermostAttachments(document: document).bodies()
        }
    }

    /// The requests a document is sent as, one per body, in order.
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        // HTTPRequest's own 30 s bound, as before this helper.
        bodies(for: document).map { HTTPRequest.jsonPost($0, to: url, timeout: .seconds(30)) }
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await SplitDelivery.send(try requests(for: document), of: document, progress: progress, transport: transport, redactor: redactor) {
            DeliveryFailure.http($0, redactor: redactor)
        }
    }
}

extension ChannelRegistration {
    /// A Slack-compatible chat kind: one incoming webhook URL, its own markup (a format named
    /// after the kind), the declared `layout`.
    static func chat(_ kind: ChannelKind, markup: MessageFormat.Markup) -> ChannelRegistration {
        ChannelRegistration(format: MessageFormat(name: kind.rawValue, markup: markup)) { declaration, factory throws(NotifyError) in
            ChatChannel(
                name: declaration.name, kind: kind, url: try factory.url(of: declaration), transport: factory.transport,
                redactor: factory.redactor, layout: declaration.layout)
        }
    }
}
