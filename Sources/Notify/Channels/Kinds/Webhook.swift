extension ChannelRegistration {
    /// `webhook`: the notification document as JSON, signed when the channel has a secret.
    static let webhook = ChannelRegistration(format: .plain) { declaration, factory throws(NotifyError) in
        WebhookChannel(
            name: declaration.name, url: try factory.url(of: declaration), secret: declaration.secret,
            transport: factory.transport, redactor: factory.redactor)
    }
}
