extension ChannelRegistration {
    /// `mattermost`: Slack's payload on a Mattermost incoming webhook, in Markdown.
    static let mattermost = ChannelRegistration(format: .mattermost) { declaration, factory throws(NotifyError) in
        ChatChannel(
            name: declaration.name, kind: .mattermost, url: try factory.url(of: declaration), transport: factory.transport,
            redactor: factory.redactor)
    }
}
