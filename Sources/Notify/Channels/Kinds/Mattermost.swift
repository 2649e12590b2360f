import Rules

extension ChannelRegistration {
    /// `mattermost`: a Mattermost incoming webhook, attachments (``MattermostAttachments``) or
    /// `{"text": …}`, in Markdown.
    static let mattermost = chat(.mattermost, markup: .mattermost)
}

extension MessageFormat {
    /// The mattermost markup (the format of `mattermost` channels).
    public static var mattermost: MessageFormat { ChannelKind.mattermost.format }
}

extension MessageFormat.Markup {
    /// Mattermost Markdown: entities as Slack, Markdown escaped, `@mentions` neutralised.
    static let mattermost = MessageFormat.Markup(
        limit: 16_383,
        escape: { value in
            // Entities first: Mattermost turns Slack's `<!channel>` and `<url|label>` into a
            // mention and a link before rendering, so no `<` may reach it; and then Markdown, which
            // leaves `&lt;` alone. The other way round `>` became `\&gt;`, and CommonMark shows
            // an escaped `&` literally: readers saw `&gt;` (issue 15).
            MessageFormat.neutraliseAt(MessageFormat.backslashMarkdown(MessageFormat.entities(value)))
        },
        link: { safe, _, label in "[\(label)](\(safe))" },
        bold: { "**\($0)**" },
        defaultBody: DefaultTemplates.markdown)
}
