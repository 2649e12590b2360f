extension ChannelRegistration {
    /// `webhook`: the notification document as JSON, or the channel's own `template`; signed
    /// when the channel has a secret, by its `signature` scheme.
    static let webhook = ChannelRegistration(format: .plain) { declaration, factory throws(NotifyError) in
        try WebhookChannel(
            name: declaration.name, url: try factory.url(of: declaration), secret: declaration.secret,
            transport: factory.transport, redactor: factory.redactor, template: declaration.template,
            signature: declaration.signature, clock: factory.clock)
    }
}
