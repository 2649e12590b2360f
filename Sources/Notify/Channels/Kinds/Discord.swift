import Curl
import Foundation
import Redaction
import Rules

/// A Discord channel through its native webhook: a title line as `content`, one embed per post
/// (severity colour, fields, timestamp, a link to the content), `allowed_mentions: {"parse": []}`
/// so that nothing in a message can ever ping anyone.
///
/// Declared with the webhook URL as Discord gives it (`https://discord.com/api/webhooks/ID/TOKEN`);
/// a `/slack` suffix pasted from the old shim is taken off, and `wait=true` is added to the query
/// (kept: `thread_id`), so that a message Discord did not save is an error, not a silent 204.
/// A notification larger than one message (10 embeds, 6,000 characters of embeds) goes as
/// several, numbered `1/3`, `2/3`… (see ``DiscordMessages``), never cut. A 429 names its wait
/// in the `Retry-After` header and in the JSON body (`retry_after`, float seconds): the longer
/// is honoured. A 404 means the webhook was deleted: the failure says the destination is gone,
/// and delivery marks the channel's other pending notifications dead at once.
public struct DiscordChannel: Channel {
    public let name: String
    public let kind = ChannelKind.discord
    public let rateLimit: RateLimit?
    /// The URL as declared (the rate limit's key).
    let url: String
    /// The URL posted to: `/slack` off, `wait=true` on.
    let endpoint: String
    let transport: CurlTransport
    let redactor: Redactor
    /// How many messages of each split notification were taken (a retry resumes after them).
    let progress = SentMessages()
    /// The longest one request may take (a test shortens it).
    let timeout: Duration

    /// - Parameters:
    ///   - url: the webhook URL (a secret: never logged).
    ///   - rateLimit: Discord allows a webhook about 5 requests in 2 seconds, 30 a minute.
    ///   - redactor: every secret of the process; the URL is always added.
    ///   - timeout: the longest one request may take.
    public init(
        name: String, url: String, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor(), timeout: Duration = .seconds(30)
    ) {
        self.name = name
        self.url = url
        self.endpoint = Self.endpoint(url)
        self.transport = transport
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.redactor = redactor.merging(Redactor(urls: [url, endpoint]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The URL to post to: without a trailing `/slack` (or `/`), with `wait=true` in its query
    /// and every other parameter (`thread_id`) kept.
    static func endpoint(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/slack") { path.removeLast("/slack".count) }
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path
        var items = (components.percentEncodedQueryItems ?? []).filter { $0.name != "wait" }
        items.append(URLQueryItem(name: "wait", value: "true"))
        components.percentEncodedQueryItems = items
        return components.string ?? url
    }

    /// The requests a document is sent as, in order.
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        DiscordMessages(document).bodies().map { HTTPRequest.jsonPost($0, to: endpoint, timeout: timeout) }
    }

    /// Sends the messages in order; a retry in this process resumes at the one that failed
    /// (see ``SplitDelivery``).
    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await SplitDelivery.send(try requests(for: document), of: document, progress: progress, transport: transport, redactor: redactor) { response in
            guard var failure = DeliveryFailure.http(response, redactor: redactor) else { return nil }
            switch response.status {
            case 429:
                failure.waitAtLeast(retryAfterInBody: response.body, at: ["retry_after"])
            case 404:
                // Discord answers `{"message": "Unknown Webhook", "code": 10015}`: deleted.
                failure.destinationGone = true
                failure.isPermanent = true
            default:
                break
            }
            return failure
        }
    }
}

extension ChannelRegistration {
    /// `discord`: the native webhook, embeds in Discord's Markdown.
    static let discord = ChannelRegistration(format: MessageFormat(name: "discord", markup: .discord)) {
        declaration, factory throws(NotifyError) in
        DiscordChannel(name: declaration.name, url: try factory.url(of: declaration), transport: factory.transport, redactor: factory.redactor)
    }
}

extension MessageFormat {
    /// The discord markup (the format of `discord` channels).
    public static var discord: MessageFormat { ChannelKind.discord.format }
}

extension MessageFormat.Markup {
    /// Discord Markdown: escaped, mentions neutralised (and `allowed_mentions` allows none).
    ///
    /// The limit is the `content` of a message; the posts themselves go in embeds.
    static let discord = MessageFormat.Markup(
        limit: 2_000,
        escape: { value in
            // `<` and `@` get a joiner so neither `<@id>`, `<#channel>`, `@everyone` nor `@here`
            // is formed: with `allowed_mentions` they would ping nobody, but still show as a
            // mention. `&` is escaped too: a CommonMark renderer shows a caption's `&amp;` or
            // `&#64;` as `&`, `@`.
            var text = MessageFormat.neutraliseAt(MessageFormat.backslashMarkdown(value))
            text = text.replacingOccurrences(of: "&", with: "\\&")
            return text.replacingOccurrences(of: "<", with: "<" + MessageFormat.joiner)
        },
        // Angle brackets: a plain link without a big embed for every post.
        link: { safe, _, label in "\(label): <\(safe)>" },
        bold: { "**\($0)**" },
        defaultBody: DefaultTemplates.markdown)
}
