extension ChannelRegistration {
    /// `slack`: an incoming webhook, `{"text": …}` in mrkdwn.
    static let slack = ChannelRegistration(format: .slack) { declaration, factory throws(NotifyError) in
        ChatChannel(
            name: declaration.name, kind: .slack, url: try factory.url(of: declaration), transport: factory.transport,
            redactor: factory.redactor)
    }
}
