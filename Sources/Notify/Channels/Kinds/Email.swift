extension ChannelRegistration {
    /// `email`: plain-text mail over SMTP to the declared addresses.
    static let email = ChannelRegistration(format: .plain) { declaration, factory throws(NotifyError) in
        let smtp = try factory.smtp(declaration.name)
        do {
            return try EmailChannel(
                name: declaration.name, addresses: declaration.targets, smtp: smtp, transport: factory.transport,
                redactor: factory.redactor, clock: factory.clock)
        } catch {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(declaration.name)': \(error)")
        }
    }
}
