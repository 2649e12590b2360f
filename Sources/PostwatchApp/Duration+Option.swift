import Timekeeping

extension Duration {
    /// A command-line duration (`--since 24h`, `--interval 60s`): the rule language's grammar
    /// (Timekeeping), and longer than zero; `option` names the flag in the error.
    public init(option text: String, named option: String) throws(CommandError) {
        guard let duration = Duration(parsing: text) else {
            throw CommandError(.configuration, "\(option) '\(text)' is not a duration like 90s, 15m, 2h, 1d or 1h30m")
        }
        guard duration > .zero else {
            throw CommandError(.configuration, "\(option) must be longer than 0s (got '\(text)')")
        }
        self = duration
    }
}
