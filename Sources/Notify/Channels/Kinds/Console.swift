extension ChannelRegistration {
    /// `console`: the plain text on the run's console (stdout, or stderr beside JSON output).
    static let console = ChannelRegistration(format: .plain) { declaration, factory throws(NotifyError) in
        ConsoleChannel(name: declaration.name, write: factory.console)
    }
}
