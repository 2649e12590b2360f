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

    /// A word for the status, the `error.code` of a failure that has no more precise one.
    public var code: String {
        switch self {
        case .ok: "ok"
        case .ruleFired: "rule_fired"
        case .configuration: "configuration"
        case .upstream: "upstream"
        case .undelivered: "undelivered"
        }
    }
}

/// An error a command reports to its user: what went wrong, and the exit code it means.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    public let status: ExitStatus
    public let message: String
    /// What a script can branch on: the API's error code when the API failed
    /// (`unauthenticated`, `rate_limited`, `timeout`, …), else the status's word (`configuration`).
    public let code: String

    public init(_ status: ExitStatus, _ message: String, code: String? = nil) {
        self.status = status
        self.message = message
        self.code = code ?? status.code
    }

    public var description: String { message }
}
