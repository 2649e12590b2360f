import Foundation
import Rules

extension ChannelRegistration {
    /// `discord`: Slack's payload on the webhook's `/slack` endpoint, in Discord's Markdown.
    static let discord = chat(.discord, markup: .discord)
}

extension MessageFormat {
    /// The discord markup (the format of `discord` channels).
    public static var discord: MessageFormat { ChannelKind.discord.format }
}

extension MessageFormat.Markup {
    /// Discord (through its `/slack` endpoint): Markdown escaped, mentions neutralised.
    static let discord = MessageFormat.Markup(
        limit: 2_000,
        escape: { value in
            // Discord's `/slack` endpoint passes the text on as Markdown; entities would show
            // literally. `<` and `@` get a joiner so neither `<@id>`, `<!channel>`, `@everyone`
            // nor `@here` can be formed again whatever the endpoint translates first. `&` is
            // escaped too: a CommonMark renderer shows a caption's `&amp;` or `&#64;` as `&`, `@`.
            var text = MessageFormat.neutraliseAt(MessageFormat.backslashMarkdown(value))
            text = text.replacingOccurrences(of: "&", with: "\\&")
            return text.replacingOccurrences(of: "<", with: "<" + MessageFormat.joiner)
        },
        // Angle brackets: a plain link without a big embed for every post.
        link: { safe, _, label in "\(label): <\(safe)>" },
        bold: { "**\($0)**" },
        defaultBody: DefaultTemplates.markdown)
}

extension ChatChannel {
    /// `…/webhooks/ID/TOKEN/slack`, keeping a query string (`?wait=true`) after it.
    static func discordSlackEndpoint(_ url: String) -> String {
        let queryStart = url.firstIndex(of: "?") ?? url.endIndex
        var path = String(url[..<queryStart])
        let query = url[queryStart...]
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix("/slack") { path += "/slack" }
        return path + query
    }
}
