extension ChannelRegistration {
    /// `mattermost`: Slack's payload on a Mattermost incoming webhook, in Markdown.
    static let mattermost = ChannelRegistration(format: .mattermost) { declaration, factory throws(NotifyError) in
        ChatChannel(
            name: declaration.name, kind: .mattermost, url: try factory.url(of: declaration), transport: factory.transport,
            redactor: factory.redactor)
    }
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
