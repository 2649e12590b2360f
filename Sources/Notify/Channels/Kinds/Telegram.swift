import Curl
import Foundation
import Redaction
import Rules

/// A Telegram chat through the Bot API's `sendMessage`: `chat_id`, `text` in Telegram's HTML,
/// `parse_mode: "HTML"`, `disable_web_page_preview: true`.
///
/// Declared with the vendor's URL as given
/// (`telegram "https://api.telegram.org/bot123:ABC/sendMessage?chat_id=-100123"`, see
/// ``TelegramURL``); the bot token in it is a secret. A message longer than Telegram's 4,096
/// characters is sent as several, numbered `1/3`, `2/3`…, split between posts (or lines),
/// never cut. A 429 names its wait in the JSON body (`parameters.retry_after`, seconds) and
/// often in `Retry-After` too: the longer of the two is honoured.
public struct TelegramChannel: Channel {
    public let name: String
    public let kind = ChannelKind.telegram
    public let rateLimit: RateLimit?
    let url: String
    let bot: TelegramURL
    let transport: CurlTransport
    let redactor: Redactor
    /// How many messages of each split notification were taken (a retry resumes after them).
    let progress = SentMessages()
    /// The longest one request may take (a test shortens it).
    let timeout: Duration

    /// Telegram's limit on a message's text.
    public static let messageLimit = 4_096

    /// - Parameters:
    ///   - url: the bot URL with its `chat_id` (a secret: never logged).
    ///   - rateLimit: Telegram allows about one message a second to a chat, 20 a minute to a group.
    ///   - redactor: every secret of the process; the URL and the bot token are always added.
    ///   - timeout: the longest one request may take.
    public init(
        name: String, url: String, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor(), timeout: Duration = .seconds(30)
    ) throws(NotifyError) {
        guard let bot = TelegramURL(url) else {
            throw NotifyError(
                code: .invalidConfiguration,
                message: "channel '\(name)': not a Telegram bot URL (https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>)")
        }
        self.name = name
        self.url = url
        self.bot = bot
        self.transport = transport
        self.timeout = timeout
        self.rateLimit = rateLimit
        self.redactor = redactor.merging(Redactor(secrets: ChannelKind.telegram.credentials(inURL: url), urls: [url, bot.endpoint]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The texts of the messages a document is sent as: one when it fits, otherwise parts of at
    /// most ``messageLimit`` UTF-16 units, each starting with its number (`2/3`).
    public static func texts(_ message: NotificationDocument.Message) -> [String] {
        let text = MessageRenderer.text(title: message.title, body: message.body, format: message.format)
        if text.utf16.count <= messageLimit { return [text] }
        // Room for the longest numbering a message of the renderer's limit can need ("99/99\n").
        let parts = TelegramSplit.parts(of: text, limit: messageLimit - 8)
        return parts.enumerated().map { "\($0.offset + 1)/\(parts.count)\n" + $0.element }
    }

    /// The JSON body of one message: keys sorted, so the same text always gives the same bytes.
    public func body(text: String) throws -> Data {
        var object: [String: Any] = [
            "text": text, "parse_mode": "HTML", "disable_web_page_preview": true,
        ]
        // A numeric id as a number, `@channelname` as a string (the API takes both).
        object["chat_id"] = Int64(bot.chatID).map { $0 as Any } ?? bot.chatID
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The requests a document is sent as, in order.
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        var requests: [HTTPRequest] = []
        for text in Self.texts(document.message) {
            let body: Data
            do {
                body = try self.body(text: text)
            } catch {
                throw DeliveryFailure(message: "cannot encode the message", isPermanent: true)
            }
            requests.append(HTTPRequest.jsonPost(body, to: bot.endpoint, timeout: timeout))
        }
        return requests
    }

    /// Sends the parts in order; a retry in this process resumes at the part that failed (see
    /// ``SplitDelivery``).
    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await SplitDelivery.send(try requests(for: document), of: document, progress: progress, transport: transport, redactor: redactor) {
            response in
            guard var failure = DeliveryFailure.http(response, redactor: redactor) else { return nil }
            if response.status == 429 { failure.waitAtLeast(retryAfterInBody: response.body, at: ["parameters", "retry_after"]) }
            return failure
        }
    }
}

extension ChannelRegistration {
    /// `telegram`: a Bot API `sendMessage` URL with its `chat_id`, text in Telegram's HTML.
    static let telegram = ChannelRegistration(format: MessageFormat(name: "telegram", markup: .telegram)) {
        declaration, factory throws(NotifyError) in
        try TelegramChannel(name: declaration.name, url: try factory.url(of: declaration), transport: factory.transport, redactor: factory.redactor)
    }
}

extension MessageFormat {
    /// The telegram markup (the format of `telegram` channels).
    public static var telegram: MessageFormat { ChannelKind.telegram.format }
}

extension MessageFormat.Markup {
    /// Telegram's HTML: `&`, `<` and `>` as entities (the only characters its parser reads),
    /// `@mentions` neutralised (a mention notifies a group member).
    ///
    /// The limit is the whole message before splitting: up to four Telegram messages; a longer
    /// one lists fewer posts ("…and N more").
    static let telegram = MessageFormat.Markup(
        limit: 16_000,
        escape: { MessageFormat.neutraliseAt(MessageFormat.entities($0)) },
        // `href` is an attribute: its `&` is an entity too (`"` and `<` are percent-encoded).
        link: { safe, _, label in "<a href=\"\(MessageFormat.entities(safe))\">\(label)</a>" },
        bold: { "<b>\($0)</b>" },
        defaultBody: telegramBody)

    /// The default body in Telegram's HTML.
    static let telegramBody = DefaultTemplates.withFooter(
        """
        {{#posts}}
        {{statusEmoji}} <b>{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}</b> · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        <i>{{caption}}</i>
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        """)
}
