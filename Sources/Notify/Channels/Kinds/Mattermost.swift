import Rules

extension ChannelRegistration {
    /// `mattermost`: Slack's payload on a Mattermost incoming webhook, in Markdown.
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
        escape: { MessageFormat.neutraliseAt(MessageFormat.entities(MessageFormat.backslashMarkdown($0))) },
        link: { safe, _, label in "[\(label)](\(safe))" },
        bold: { "**\($0)**" },
        defaultBody: DefaultTemplates.markdown)
}
