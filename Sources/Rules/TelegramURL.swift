import Foundation

/// A Telegram Bot API URL pasted as given:
/// `https://api.telegram.org/bot123456:ABC-DEF/sendMessage?chat_id=-100123`.
///
/// The bot token is in the path (the credential); the chat is the `chat_id` query value (a
/// number, negative for groups and channels, or `@channelname`). Any host is accepted, so a
/// self-hosted Bot API server (and a test receiver) works; the path must end in
/// `/bot<TOKEN>/sendMessage`.
public struct TelegramURL: Sendable, Hashable {
    /// `https://api.telegram.org/bot123456:ABC-DEF/sendMessage`: the URL without its query.
    public let endpoint: String
    /// `123456:ABC-DEF`.
    public let token: String
    /// `-100123` or `@channelname`.
    public let chatID: String

    public init?(_ url: String) {
        guard Self.problem(with: url) == nil, let parsed = Self.parse(url) else { return nil }
        self = parsed
    }

    private init(endpoint: String, token: String, chatID: String) {
        self.endpoint = endpoint
        self.token = token
        self.chatID = chatID
    }

    /// Why `url` is not a bot URL postwatch can send with; nil when it is. Never quotes the token.
    public static func problem(with url: String) -> String? {
        let shape = "https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>"
        guard let components = URLComponents(string: url), components.host != nil else { return "is not a URL like \(shape)" }
        let segments = components.percentEncodedPath.split(separator: "/").map(String.init)
        guard segments.count >= 2, segments[segments.count - 1] == "sendMessage", segments[segments.count - 2].hasPrefix("bot") else {
            return "is not a Telegram sendMessage URL: its path must end in /bot<TOKEN>/sendMessage, as in \(shape)"
        }
        let token = String(segments[segments.count - 2].dropFirst(3))
        guard isToken(token) else {
            return "has no valid bot token after '/bot' (the form BotFather gives: digits, ':', letters, digits, '-' or '_')"
        }
        guard components.percentEncodedFragment == nil else { return "has a '#fragment'; a bot URL has none" }
        let items = components.queryItems ?? []
        if let other = items.first(where: { $0.name != "chat_id" }) {
            return "has a query parameter '\(other.name)'; only chat_id is taken (the message options are postwatch's)"
        }
        let chats = items.compactMap(\.value)
        guard chats.count == 1, let chat = chats.first, !chat.isEmpty else {
            return "needs exactly one chat, as in \(shape) (a number such as -100123 or @channelname)"
        }
        guard isChatID(chat) else {
            return "has a chat_id that is neither a number (-100123) nor @channelname"
        }
        return nil
    }

    private static func parse(_ url: String) -> TelegramURL? {
        guard var components = URLComponents(string: url),
              let botSegment = components.percentEncodedPath.split(separator: "/").dropLast().last,
              let chat = components.queryItems?.first(where: { $0.name == "chat_id" })?.value
        else { return nil }
        components.percentEncodedQuery = nil
        guard let endpoint = components.string else { return nil }
        return TelegramURL(endpoint: endpoint, token: String(botSegment.dropFirst(3)), chatID: chat)
    }

    /// `123456789:AAH…`: the bot's id, a colon, then the secret part.
    static func isToken(_ token: String) -> Bool {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber),
              !parts[1].isEmpty
        else { return false }
        return parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func isChatID(_ chat: String) -> Bool {
        if chat.hasPrefix("@") {
            let name = chat.dropFirst()
            return (4...32).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
        let digits = chat.hasPrefix("-") ? chat.dropFirst() : Substring(chat)
        return (1...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
