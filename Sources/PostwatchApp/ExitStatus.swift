/// postwatch's exit codes (DESIGN.md, "The command line").
public enum ExitStatus: Int32, Sendable {
    /// Fine; for `check`: nothing of severity warning or critical fired.
    case ok = 0
    /// `check`: a rule of severity warning or critical fired.
    case ruleFired = 1
    /// Usage, configuration or rule error.
    case configuration = 2
    /// The upstream API failed (auth, network, bad response): the cycle was not applied.
    case upstream = 3
    /// Some notifications are not delivered yet (they stay in the outbox).
    case undelivered = 4
}

/// An error a command reports to its user: what went wrong, and the exit code it means.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
