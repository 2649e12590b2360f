import Foundation
import Timekeeping

/// Maintenance windows, and a rule's `mute during`, `digest` and `repeat` clauses.
extension Checker {
    // MARK: - Windows

    static let utc = TimeZone(identifier: "UTC")!

    mutating func checkWindow(_ syntax: Syntax.Window) {
        let name = syntax.name.text
        if let first = windowRanges[name] {
            report(.error, "duplicate window name \"\(name)\"", at: syntax.name.range,
                   notes: [Diagnostic.Note(message: "\"\(name)\" is first declared here", range: first)])
            return
        }
        windowRanges[name] = syntax.name.range
        // A window that did not parse is known by name, so a rule naming it is not an error too.
        guard !syntax.hasBrokenClauses else { return }
        var schedules: [Syntax.WindowSchedule] = []
        var zone: (name: Syntax.Name, keyword: Syntax.Name)?
        var ok = true
        for node in syntax.clauses {
            switch node.clause {
            case .schedule(let schedule): schedules.append(schedule)
            case .notify(let names):
                windowNotices.append((name, names))
                usedWindows.insert(name)
            case .timeZone(let word):
                if let first = zone {
                    report(.error, "this window already has a 'timezone'", at: node.keyword.range,
                           notes: [Diagnostic.Note(message: "the first one is here", range: first.keyword.range)])
                    ok = false
                } else {
                    zone = (word, node.keyword)
                }
            }
        }
        if schedules.isEmpty {
            report(.error, "window \"\(name)\" says no time: add every sat, sun | daily 22:00-07:00 | on day 1 | from … until …", at: syntax.name.range)
            ok = false
        }
        var timeZone: TimeZone?
        if let zone {
            timeZone = self.timeZone(zone.name)
        } else {
            report(.error, "window \"\(name)\" needs a timezone, like: timezone \"Europe/Berlin\" (or \"UTC\"); a window never uses the server's", at: syntax.name.range)
        }
        // The schedule lines are checked even without a good timezone, so that one run says all.
        let parts = schedules.compactMap { timeWindow($0, in: timeZone ?? Self.utc) }
        guard ok, let timeZone, parts.count == schedules.count else { return }
        windows[name] = MaintenanceWindow(name: name, parts: parts, timeZone: timeZone)
    }

    /// A timezone of the tz database, with a guess for a misspelled one.
    mutating func timeZone(_ word: Syntax.Name) -> TimeZone? {
        // Only names of the database: `TimeZone(identifier:)` also takes abbreviations such as
        // `CEST`, whose offset never changes, which is not what a window in Berlin means.
        let known = TimeZone.knownTimeZoneIdentifiers
        if known.contains(word.text) || word.text == "UTC", let zone = TimeZone(identifier: word.text) { return zone }
        if let guess = Suggestion.closest(to: word.text, in: known + ["UTC"]) {
            report(.error, "unknown timezone '\(word.text)'; did you mean '\(guess)'?", at: word.range)
        } else {
            report(.error, "unknown timezone '\(word.text)': use a name of the tz database, like Europe/Berlin, America/New_York or UTC", at: word.range)
        }
        return nil
    }

    mutating func timeWindow(_ schedule: Syntax.WindowSchedule, in timeZone: TimeZone) -> TimeWindow? {
        switch schedule {
        case .daily(let hours):
            guard let bounds = optionalHours(hours) else { return nil }
            return TimeWindow(.recurring(days: .everyDay, start: bounds.start, end: bounds.end), timeZone: timeZone)
        case .weekdays(let names, let hours):
            var days = Set<Weekday>()
            var everyDay = false
            var ok = true
            for name in names {
                if name.text == "day" {
                    everyDay = true
                } else if let found = weekdays(name) {
                    days.formUnion(found)
                } else {
                    ok = false
                }
            }
            guard let bounds = optionalHours(hours), ok else { return nil }
            return TimeWindow(
                .recurring(days: everyDay ? .everyDay : .weekdays(days), start: bounds.start, end: bounds.end), timeZone: timeZone)
        case .daysOfMonth(let numbers, let hours):
            var ok = true
            for (number, range) in numbers where !((1...31).contains(number) || number == -1) {
                report(.error, "day \(number) is not a day of the month: use 1 to 31, or -1 for the last day", at: range)
                ok = false
            }
            guard let bounds = optionalHours(hours), ok else { return nil }
            return TimeWindow(
                .recurring(days: .daysOfMonth(Set(numbers.map(\.number))), start: bounds.start, end: bounds.end), timeZone: timeZone)
        case .once(let from, let until):
            let start = instant(from, in: timeZone)
            let end = instant(until, in: timeZone)
            guard let start, let end else { return nil }
            guard end > start else {
                report(.error, "this window ends before it starts", at: until.range,
                       notes: [Diagnostic.Note(message: "it starts here", range: from.range)])
                return nil
            }
            return TimeWindow(.once(from: start, until: end), timeZone: timeZone)
        }
    }

    /// `mon`, `monday`, `mon-fri` (wrapping past Sunday: `fri-mon`).
    mutating func weekdays(_ name: Syntax.Name) -> Set<Weekday>? {
        let pieces = name.text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let found = pieces.map(Weekday.init(parsing:))
        if pieces.count <= 2, let first = found.first ?? nil, let last = found.last ?? nil {
            return Weekday.range(first, last)
        }
        let names = Weekday.allCases.sorted().map(\.description) + ["day"]
        let bad = zip(pieces, found).first { $0.1 == nil }?.0 ?? name.text
        if pieces.count > 2 {
            report(.error, "'\(name.text)' is not a day or a range of days (like mon-fri)", at: name.range)
        } else if let guess = Suggestion.closest(to: bad, in: names + Weekday.allCases.map(\.fullName)) {
            report(.error, "unknown day '\(bad)'; did you mean '\(guess)'?", at: name.range)
        } else {
            report(.error, "unknown day '\(bad)' (use \(names.joined(separator: ", ")))", at: name.range)
        }
        return nil
    }

    /// The hours of a schedule line, both nil without any (all day); nil after an error.
    mutating func optionalHours(_ hours: Syntax.Hours?) -> (start: LocalTime?, end: LocalTime?)? {
        guard let hours else { return (nil, nil) }
        let start = localTime(hours.start)
        let end = localTime(hours.end)
        guard let start, let end else { return nil }
        return (start, end)
    }

    /// `09:00`; `25:00` and `24:00` are errors at their place.
    mutating func localTime(_ time: Syntax.TimeOfDay) -> LocalTime? {
        if let local = LocalTime(hour: time.hour, minute: time.minute) { return local }
        let spelled = Parser.spell(time)
        if time.hour == 24, time.minute == 0 {
            report(.error, "'24:00' is not a time of day: write 00:00 (an end not after the start is on the next day)", at: time.range)
        } else {
            report(.error, "'\(spelled)' is not a time of day (00:00 to 23:59)", at: time.range)
        }
        return nil
    }

    mutating func instant(_ written: Syntax.DateTime, in timeZone: TimeZone) -> Date? {
        guard let date = LocalDate(year: written.year, month: written.month, day: written.day) else {
            let spelled = String(format: "%04d-%02d-%02d", written.year, written.month, written.day)
            report(.error, "'\(spelled)' is not a day of the calendar", at: written.range)
            return nil
        }
        var time = LocalTime.midnight
        if let written = written.time {
            guard let local = localTime(written) else { return nil }
            time = local
        }
        return date.instant(at: time, in: timeZone)
    }

    /// The windows a rule or channel names; nil after reporting an unknown one.
    mutating func namedWindows(_ names: [Syntax.StringLiteral]) -> [MaintenanceWindow]? {
        var found: [MaintenanceWindow] = []
        var ok = true
        for name in names {
            guard windowRanges[name.text] != nil else {
                let known = windowRanges.keys.sorted()
                if let guess = Suggestion.closest(to: name.text, in: known) {
                    report(.error, "unknown window \"\(name.text)\"; did you mean \"\(guess)\"?", at: name.range)
                } else if known.isEmpty {
                    report(.error, "unknown window \"\(name.text)\": declare it, as in: window \"\(name.text)\" { every sat, sun … }", at: name.range)
                } else {
                    report(.error, "unknown window \"\(name.text)\" (windows: \(known.map { "\"\($0)\"" }.joined(separator: ", ")))", at: name.range)
                }
                ok = false
                continue
            }
            usedWindows.insert(name.text)
            // A window with an error was reported already.
            guard let window = windows[name.text] else { ok = false; continue }
            if !found.contains(where: { $0.name == window.name }) { found.append(window) }
        }
        return ok ? found : nil
    }

    /// The channels of each window's `notify`, once the channels are known (a window may name
    /// one declared after it, or in a later file).
    mutating func resolveWindowNotices() {
        for (window, names) in windowNotices {
            var notified: [String] = []
            for name in names {
                guard let channel = resolveDestination(.name(name), rule: window) else { continue }
                if channels[channel]?.kind == .pagerduty {
                    // PagerDuty takes an incident per post, and a notice is about no post.
                    report(.error, "a window's notice goes to chat, email or a webhook; pagerduty channel '\(channel)' has no incident to open for it", at: name.range)
                    continue
                }
                if !notified.contains(channel) { notified.append(channel) }
            }
            windows[window]?.notices += notified
        }
    }

    // MARK: - Rule clauses

    mutating func digestSchedule(_ syntax: Syntax.Digest) -> DigestSchedule? {
        switch syntax {
        case .at(let times, let zoneName):
            let local = times.map { localTime($0) }
            guard let zoneName else {
                report(.error, "a digest at times of day needs their timezone, as in: digest at 09:00, 17:00 Europe/Berlin (or UTC)",
                       at: times[0].range.through(times[times.count - 1].range))
                return nil
            }
            guard let zone = timeZone(zoneName) else { return nil }
            let valid = local.compactMap { $0 }
            guard valid.count == local.count else { return nil }
            return DigestSchedule(.at(Array(Set(valid)).sorted()), timeZone: zone)
        case .every(let seconds, let range):
            guard seconds >= 60 else {
                report(.error, "a digest every \(Duration.seconds(seconds).compactDescription) is no digest: the shortest period is 1m", at: range)
                return nil
            }
            return DigestSchedule(.every(.seconds(seconds)))
        }
    }

    mutating func reminderPolicy(_ syntax: Syntax.Repeat) -> ReminderPolicy? {
        var ok = true
        if Duration.seconds(syntax.seconds) < ReminderPolicy.shortestInterval {
            report(.error, "reminders come at most every 1m; 'repeat every \(Duration.seconds(syntax.seconds).compactDescription)' is too often", at: syntax.intervalRange)
            ok = false
        }
        let states = ReminderPolicy.State.allCases.map(\.rawValue)
        let state = ReminderPolicy.State(rawValue: syntax.state.text)
        if state == nil {
            report(.error, unknownValue("reminder state", syntax.state.text, states), at: syntax.state.range)
            ok = false
        }
        if let (count, range) = syntax.limit, !(1...1000).contains(count) {
            report(.error, "'at most \(count) times': a reminder cap is 1 to 1000", at: range)
            ok = false
        }
        guard ok, let state else { return nil }
        return ReminderPolicy(interval: .seconds(syntax.seconds), state: state, limit: syntax.limit?.count ?? ReminderPolicy.defaultLimit)
    }

    /// What the time clauses of one rule mean together: a digest is not throttled, and a
    /// reminder waits on a state the rule's triggers can leave a post in.
    mutating func checkSchedules(_ builder: RuleBuilder, clauses: [String: SourceRange]) -> Bool {
        var ok = true
        if builder.schedules.digest != nil, let throttle = clauses["throttle"], let digest = clauses["digest"] {
            report(.error, "a rule with 'digest' sends at its digest times, and 'throttle' would hold those back: keep one of the two", at: throttle,
                   notes: [Diagnostic.Note(message: "the digest is here", range: digest)])
            ok = false
        }
        if let reminder = builder.schedules.reminder, let range = clauses["repeat"] {
            let fits = builder.triggers.contains { trigger in
                switch (reminder.state, trigger) {
                case (.failed, .transition(_, "failed")), (.overdue, .overdue): true
                default: false
                }
            }
            if !fits {
                let example = reminder.state == .failed ? "when failed" : "when overdue 30m"
                report(.error, "'repeat … while \(reminder.state.rawValue)' needs a trigger that leaves the post \(reminder.state.rawValue), like: \(example)", at: range)
                ok = false
            }
        }
        return ok
    }
}
