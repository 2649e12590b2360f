/// The units of a written duration, longest first: `d`, `h`, `m`, `s`, `ms`.
///
/// The one table behind both places durations are written: the command line's
/// `Duration(parsing:)` takes them all; rule files take the whole-second ones (``seconds``).
public enum DurationUnit: String, CaseIterable, Sendable {
    case days = "d"
    case hours = "h"
    case minutes = "m"
    case seconds = "s"
    case milliseconds = "ms"

    /// The unit's length in milliseconds.
    public var milliseconds: Int64 {
        switch self {
        case .days: 86_400_000
        case .hours: 3_600_000
        case .minutes: 60_000
        case .seconds: 1000
        case .milliseconds: 1
        }
    }

    /// The unit's length in whole seconds; nil for `ms`, which rule files do not take (their
    /// durations are whole seconds).
    public var seconds: Int? {
        milliseconds % 1000 == 0 ? Int(milliseconds / 1000) : nil
    }
}
