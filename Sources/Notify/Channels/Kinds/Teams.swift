import Curl
import Foundation
import Redaction
import Rules

/// A Microsoft Teams channel or chat through a Workflows (Power Automate) webhook: an
/// Adaptive Card 1.2 in a `message` with one attachment (see ``TeamsCards``).
///
/// Declared with the Workflows URL as Teams gives it (see ``TeamsURL``); the whole URL is a
/// secret, and its `sig` a credential on its own. Office 365 connectors are retired, and their
/// URLs are refused when the rules load. Workflows answers 202 Accepted. A notification larger
/// than a Teams message (about 28 KB) is sent as several cards, numbered `(1/3)`, split between
/// posts, never cut.
public struct TeamsChannel: Channel {
    public let name: String
    public let kind = ChannelKind.teams
    public let rateLimit: RateLimit?
    let url: String
    let transport: CurlTransport
    let redactor: Redactor
    /// How many messages of each split notification were taken (a retry resumes after them).
    let progress = SentMessages()
    /// The longest one request may take (a test shortens it).
    let timeout: Duration

    /// - Parameters:
    ///   - url: the Workflows webhook URL (a secret: never logged).
    ///   - rateLimit: Teams accepts about 4 messages a second to a channel.
    ///   - redactor: every secret of the process; the URL and its `sig` are always added.
    ///   - timeout: the longest one request may take.
    public init(
        name: String, url: String, transport: CurlTransport, rateLimit: RateLimit? = .slackCompatible,
        redactor: Redactor = Redactor(), timeout: Duration = .seconds(30)
    ) throws(NotifyError) {
        guard TeamsURL(url) != nil else {
            throw NotifyError(
                code: .invalidConfiguration,
                message: "channel '\(name)': \(redactedURL(url)) \(TeamsURL.problem(with: url) ?? "is not a Teams Workflows webhook URL")")
        }
        self.name = name
        self.url = url
        self.transport = transport
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.redactor = redactor.merging(Redactor(secrets: ChannelKind.teams.credentials(inURL: url), urls: [url]))
    }

    public var destination: String { url }
    public var redactedDestination: String { redactedURL(url) }

    /// The requests a document is sent as, in order.
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        TeamsCards(document).bodies().map { HTTPRequest.jsonPost($0, to: url, timeout: timeout) }
    }

    /// Sends the messages in order; a retry in this process resumes at the one that failed
    /// (see ``SplitDelivery``).
    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        try await SplitDelivery.send(try requests(for: document), of: document, progress: progress, transport: transport, redactor: redactor) { response in
            DeliveryFailure.http(response, redactor: redactor)
        }
    }
}

extension ChannelRegistration {
    /// `teams`: a Workflows webhook URL, Adaptive Cards with text in their Markdown subset.
    static let teams = ChannelRegistration(format: MessageFormat(name: "teams", markup: .teams)) { declaration, factory throws(NotifyError) in
        try TeamsChannel(name: declaration.name, url: try factory.url(of: declaration), transport: factory.transport, redactor: factory.redactor)
    }
}

extension MessageFormat {
    /// The teams markup (the format of `teams` channels).
    public static var teams: MessageFormat { ChannelKind.teams.format }

    /// U+2060 WORD JOINER: invisible, no line break, and not white space to a Markdown parser.
    static let wordJoiner = "\u{2060}"

    /// A value made plain text in an Adaptive Card `TextBlock` or `Fact`, whose Markdown subset
    /// is bold and italic (`**`, `*`, `_`), bulleted and numbered lists, and links.
    ///
    /// Backslash escapes are not used: Teams' mobile clients show them instead of reading them
    /// (microsoft/AdaptiveCards#5590), and its shared parser ignores them in emphasis (#5758).
    /// Instead a value keeps its text and loses its syntax, the same on every client:
    /// - `*` becomes `∗` (U+2217), a backtick `ˋ` (U+02CB), and `_` `ˍ` (U+02CD) unless it is
    ///   between two letters or digits (`my_brand`), where no Markdown emphasises it;
    /// - a word joiner (invisible) follows `\`, `<`, `&`, `]` and `~`, so no escape, tag,
    ///   `<at>` mention, entity, link (`](`), reference, image or strike-through can be formed;
    /// - a value that starts with anything but a letter gets a word joiner first, so `- item`,
    ///   `1. item`, `# heading` or `> quote` is no block at the start of a text.
    static func adaptiveCardText(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        let characters = Array(value)
        if let first = characters.first, !first.isLetter { out += wordJoiner }
        for (index, character) in characters.enumerated() {
            switch character {
            case "*": out += "\u{2217}"
            case "`": out += "\u{02CB}"
            case "_":
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + 1 < characters.count ? characters[index + 1] : " "
                let intraword = (before.isLetter || before.isNumber) && (after.isLetter || after.isNumber)
                out += intraword ? "_" : "\u{02CD}"
            case "\\", "<", "&", "]", "~":
                out.append(character)
                out += wordJoiner
            default:
                out.append(character)
            }
        }
        return out
    }
}

extension MessageFormat.Markup {
    /// Adaptive Card text (see ``MessageFormat/adaptiveCardText(_:)``).
    ///
    /// The limit is the rendered title and body; the cards are built from the posts, and
    /// split by size (``TeamsCards``).
    static let teams = MessageFormat.Markup(
        limit: 20_000,
        escape: { MessageFormat.adaptiveCardText($0) },
        link: { safe, _, label in "[\(label)](\(safe))" },
        bold: { "**\($0)**" },
        defaultBody: DefaultTemplates.markdown)
}
