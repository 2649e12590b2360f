/// The parts of the tree for time: maintenance windows (`window "weekend" { … }`), and a
/// rule's `mute during`, `digest` and `repeat` clauses.
extension Syntax {
    /// `22:00` as written; the checker says when it is no time of day (`25:00`).
    struct TimeOfDay: Sendable {
        let hour: Int
        let minute: Int
        let range: SourceRange
    }

    /// `22:00-07:00`: an end not after the start is on the next day.
    struct Hours: Sendable {
        let start: TimeOfDay
        let end: TimeOfDay
        var range: SourceRange { start.range.through(end.range) }
    }

    /// `2026-12-24 18:00` (the time may be left out: midnight).
    struct DateTime: Sendable {
        let year: Int
        let month: Int
        let day: Int
        let time: TimeOfDay?
        let range: SourceRange
    }

    /// One line of a window saying when it is open.
    enum WindowSchedule: Sendable {
        /// `daily 22:00-07:00`
        case daily(Hours)
        /// `every sat, sun [HOURS]`, `every mon-fri 18:00-20:00`, `every day`.
        case weekdays([Name], Hours?)
        /// `on day 1, -1 [HOURS]`
        case daysOfMonth([(number: Int, range: SourceRange)], Hours?)
        /// `from 2026-12-24 18:00 until 2026-12-27 08:00`
        case once(from: DateTime, until: DateTime)
    }

    enum WindowClause: Sendable {
        case schedule(WindowSchedule)
        /// `timezone "Europe/Berlin"` or `timezone Europe/Berlin`.
        case timeZone(Name)
        /// `notify ops, team`: these channels are told when the window opens and closes.
        case notify([Name])
    }

    struct WindowClauseNode: Sendable {
        let keyword: Name
        let clause: WindowClause
    }

    /// `window "Name" { clause… }`
    struct Window: Sendable {
        let name: StringLiteral
        let keyword: Name
        let clauses: [WindowClauseNode]
        /// True when a clause could not be parsed (reported; the window is not built, and
        /// rules naming it are not errors too).
        var hasBrokenClauses = false
    }

    /// A rule's `digest at 09:00, 17:00 Europe/Berlin` or `digest every 1h`.
    enum Digest: Sendable {
        case at([TimeOfDay], timeZone: Name?)
        case every(seconds: Int, range: SourceRange)
    }

    /// A rule's `repeat every 1h while failed [at most 5 times]`.
    struct Repeat: Sendable {
        let seconds: Int
        let intervalRange: SourceRange
        /// `failed` or `overdue`, as written.
        let state: Name
        let limit: (count: Int, range: SourceRange)?
    }
}
