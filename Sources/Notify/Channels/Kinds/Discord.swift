extension ChannelRegistration {
    /// `discord`: Slack's payload on the webhook's `/slack` endpoint, in Discord's Markdown.
    static let discord = ChannelRegistration(format: .discord) { declaration, factory throws(NotifyError) in
        ChatChannel(
            name: declaration.name, kind: .discord, url: try factory.url(of: declaration), transport: factory.transport,
            redactor: factory.redactor)
    }
}
