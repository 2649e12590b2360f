/// Maintenance windows and a rule's time clauses (grammar: docs/rules.md, "Maintenance windows",
/// "Digests", "Reminders").
extension Parser {
    static let windowKeywords = ["every", "daily", "on", "from", "timezone", "notify"]

    /// `window "Name" { clause… }`, one clause per line; nil only when not even the name could
    /// be read.
    mutating func parseWindow() -> Syntax.Window? {
        guard let block = parseBlock("window", example: "weekend", unclosedIsBroken: true, clause: { (p: inout Parser) throws(Abort) in try p.parseWindowClause() })
        else { return nil }
        var window = Syntax.Window(name: block.name, keyword: block.keyword, clauses: block.clauses)
        window.hasBrokenClauses = block.broken ?? true
        return window
    }

    mutating func parseWindowClause() throws(Abort) -> Syntax.WindowClauseNode {
        let help = "a window holds: every sat, sun | daily 22:00-07:00 | on day 1, -1 09:00-10:00 | from 2026-12-24 18:00 until 2026-12-27 08:00 | timezone \"Europe/Berlin\" | notify ops"
        guard case .identifier(let word) = current.kind else {
            try fail("expected a window clause or '}', found \(current.spelling); \(help)")
        }
        let keyword = Syntax.Name(text: word, range: advance().range)
        let clause: Syntax.WindowClause
        switch word {
        case "daily":
            guard case .timeOfDay = current.kind else {
                try fail("'daily' needs hours, as in: daily 22:00-07:00 (a window open all day every day never ends)")
            }
            clause = .schedule(.daily(try parseHours()))
        case "every":
            guard case .identifier = current.kind else {
                try fail("'every' needs the days of the week, as in: every sat, sun (or every mon-fri 18:00-20:00)")
            }
            let days = try parseList { (p: inout Parser) throws(Abort) in try p.expectIdentifier("a day of the week (mon … sun)") }
            clause = .schedule(.weekdays(days, try parseOptionalHours()))
        case "on":
            guard current.isIdentifier("day") || current.isIdentifier("days") else {
                try fail("expected 'day' after 'on', as in: on day 1, -1 09:00-10:00")
            }
            advance()
            let days = try parseList { (p: inout Parser) throws(Abort) in try p.parseDayOfMonth() }
            clause = .schedule(.daysOfMonth(days, try parseOptionalHours()))
        case "from":
            let from = try parseDateTime(after: "from")
            guard current.isIdentifier("until") else {
                try fail("expected 'until' after the start, as in: from 2026-12-24 18:00 until 2026-12-27 08:00")
            }
            advance()
            clause = .schedule(.once(from: from, until: try parseDateTime(after: "until")))
        case "timezone":
            clause = .timeZone(try parseTimeZone(after: "timezone"))
        case "notify":
            clause = .notify(try parseList { (p: inout Parser) throws(Abort) in try p.expectIdentifier("a channel name after 'notify'") })
        default:
            if let guess = Suggestion.closest(to: word, in: Self.windowKeywords) {
                try fail("unknown window clause '\(word)'; did you mean '\(guess)'?", at: keyword.range)
            }
            try fail("unknown window clause '\(word)'; \(help)", at: keyword.range)
        }
        try expectLineEnd(after: "the '\(word)' clause")
        return Syntax.WindowClauseNode(keyword: keyword, clause: clause)
    }

    /// `1`, `31` or `-1` (the last day of the month).
    mutating func parseDayOfMonth() throws(Abort) -> (number: Int, range: SourceRange) {
        if current.kind == .dash {
            let dash = advance()
            guard case .number(let value) = current.kind else { try fail("expected a day number after '-', as in: on day -1") }
            return (-value, dash.range.through(advance().range))
        }
        guard case .number(let value) = current.kind else {
            try fail("expected a day of the month (1 to 31, or -1 for the last), found \(current.spelling)")
        }
        return (value, advance().range)
    }

    mutating func parseOptionalHours() throws(Abort) -> Syntax.Hours? {
        guard case .timeOfDay = current.kind else { return nil }
        return try parseHours()
    }

    /// `22:00-07:00`
    mutating func parseHours() throws(Abort) -> Syntax.Hours {
        let start = try parseTimeOfDay("a time like 22:00")
        guard current.kind == .dash else { try fail("expected '-' and the end of the hours, as in: \(Self.spell(start))-07:00") }
        advance()
        return Syntax.Hours(start: start, end: try parseTimeOfDay("the end of the hours, like 07:00"))
    }

    mutating func parseTimeOfDay(_ what: String) throws(Abort) -> Syntax.TimeOfDay {
        guard case .timeOfDay(let hour, let minute) = current.kind else {
            if case .number(let value) = current.kind {
                try fail("a time of day is written with minutes: \(value < 10 ? "0" : "")\(value):00")
            }
            try fail("expected \(what), found \(current.spelling)")
        }
        return Syntax.TimeOfDay(hour: hour, minute: minute, range: advance().range)
    }

    /// `2026-12-24 18:00` or `2026-12-24` (midnight).
    mutating func parseDateTime(after word: String) throws(Abort) -> Syntax.DateTime {
        guard case .date(let year, let month, let day) = current.kind else {
            try fail("expected a date after '\(word)', like 2026-12-24 18:00, found \(current.spelling)")
        }
        let dateRange = advance().range
        var time: Syntax.TimeOfDay?
        if case .timeOfDay = current.kind { time = try parseTimeOfDay("a time") }
        return Syntax.DateTime(year: year, month: month, day: day, time: time, range: time.map { dateRange.through($0.range) } ?? dateRange)
    }

    /// A timezone name, bare (`Europe/Berlin`, `UTC`) or quoted.
    mutating func parseTimeZone(after word: String) throws(Abort) -> Syntax.Name {
        switch current.kind {
        case .identifier(let text): return Syntax.Name(text: text, range: advance().range)
        case .string(let text): return Syntax.Name(text: text, range: advance().range)
        default: try fail("expected a timezone after '\(word)', like \"Europe/Berlin\" or \"UTC\", found \(current.spelling)")
        }
    }

    static func spell(_ time: Syntax.TimeOfDay) -> String {
        (time.hour < 10 ? "0" : "") + "\(time.hour):" + (time.minute < 10 ? "0" : "") + "\(time.minute)"
    }

    // MARK: - Rule clauses

    /// After `mute`: `during "window" {, "window"}`.
    mutating func parseMuteDuring() throws(Abort) -> [Syntax.StringLiteral] {
        guard current.isIdentifier("during") else { try fail("expected 'during' after 'mute', as in: mute during \"weekend\"") }
        advance()
        return try parseList { (p: inout Parser) throws(Abort) in
            switch p.current.kind {
            case .string(let text):
                let token = p.advance()
                return Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin)
            case .identifier(let text):
                p.error("window names are written in quotes: mute during \"\(text)\"", at: p.current.range)
                return Syntax.StringLiteral(text: text, range: p.advance().range, origin: nil)
            default:
                try p.fail("expected a window's name in quotes after 'during', found \(p.current.spelling)")
            }
        }
    }

    /// After `digest`: `at 09:00, 17:00 [TIMEZONE]` or `every DURATION`.
    mutating func parseDigest() throws(Abort) -> Syntax.Digest {
        let help = "as in: digest at 09:00, 17:00 Europe/Berlin (or: digest every 1h)"
        switch current.identifier {
        case "at":
            advance()
            let times = try parseList { (p: inout Parser) throws(Abort) in try p.parseTimeOfDay("a time like 09:00") }
            switch current.kind {
            case .identifier, .string: return .at(times, timeZone: try parseTimeZone(after: "the times"))
            default: return .at(times, timeZone: nil)
            }
        case "every":
            advance()
            switch current.kind {
            case .duration(let seconds): return .every(seconds: seconds, range: advance().range)
            case .number(let value): try fail("a duration needs a unit: digest every \(value)h")
            default: try fail("expected a duration after 'every', like 1h, found \(current.spelling)")
            }
        case let word?:
            if let guess = Suggestion.closest(to: word, in: ["at", "every"]) {
                try fail("expected 'at' or 'every' after 'digest'; did you mean '\(guess)'?")
            }
            try fail("expected 'at' or 'every' after 'digest', \(help)")
        case nil:
            try fail("expected 'at' or 'every' after 'digest', \(help)")
        }
    }

    /// After `repeat`: `every DURATION while failed|overdue [at most N times]`.
    mutating func parseRepeat() throws(Abort) -> Syntax.Repeat {
        let help = "as in: repeat every 1h while failed at most 5 times"
        guard current.isIdentifier("every") else { try fail("expected 'every' after 'repeat', \(help)") }
        advance()
        let seconds: Int
        switch current.kind {
        case .duration(let value): seconds = value
        case .number(let value): try fail("a duration needs a unit: repeat every \(value)h")
        default: try fail("expected a duration after 'every', like 1h, found \(current.spelling)")
        }
        let intervalRange = advance().range
        guard current.isIdentifier("while") else { try fail("expected 'while failed' or 'while overdue' after the interval, \(help)") }
        advance()
        let state = try expectIdentifier("'failed' or 'overdue' after 'while'")
        var limit: (Int, SourceRange)?
        if current.isIdentifier("at") {
            let at = advance()
            guard current.isIdentifier("most") else { try fail("expected 'at most N times', \(help)") }
            advance()
            guard case .number(let count) = current.kind else { try fail("expected a number after 'at most', \(help)") }
            advance()
            guard current.isIdentifier("times") || current.isIdentifier("time") else { try fail("expected 'times' after the number, \(help)") }
            limit = (count, at.range.through(advance().range))
        }
        return Syntax.Repeat(seconds: seconds, intervalRange: intervalRange, state: state, limit: limit)
    }
}
