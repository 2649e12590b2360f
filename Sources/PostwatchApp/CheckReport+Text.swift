import Foundation

extension CheckReport {
    /// The readable summary: a table of the events that fired a rule, then counts.
    public func text() -> String {
        var lines: [String] = []
        let fired = events.filter { !$0.rules.isEmpty }
        if cycle.baseline {
            lines.append("First snapshot: \(cycle.posts) posts recorded as the baseline.")
        }
        if fired.isEmpty {
            lines.append("No rule fired (\(events.count) event\(events.count == 1 ? "" : "s"), \(cycle.posts) posts).")
        } else {
            var rows: [[String]] = [["RULE", "SEVERITY", "TRANSITION", "POST", "ACCOUNT", "PLATFORM", "SCHEDULED"]]
            for event in fired {
                for rule in event.rules {
                    rows.append([
                        rule.name, rule.severity.rawValue + (rule.silence.map { " (muted by silence \($0))" } ?? ""), "\(event.from) → \(event.to)", event.postId, event.accountId,
                        event.platform, Self.scheduled(event.scheduledTime, zone: event.timezone),
                    ])
                }
            }
            lines.append(contentsOf: Self.table(rows))
            lines.append("")
            let alerting = firedAlerting.count
            lines.append(
                "\(fired.count) event\(fired.count == 1 ? "" : "s") fired \(Set(fired.flatMap(\.rules).map(\.name)).count) rule(s)"
                    + (alerting > 0 ? ", \(alerting) of severity warning or critical." : "."))
        }
        if !cycle.held.isEmpty {
            lines.append("Held until a cycle lists them consistently (the API contradicted itself):")
            for (postId, why) in cycle.held.sorted(by: { $0.key < $1.key }) { lines.append("  \(postId): \(why)") }
        }
        if !cycle.muted.isEmpty {
            lines.append("Held by maintenance windows (not sent):")
            for line in cycle.muted { lines.append("  \(line)") }
        }
        if cycle.rejected > 0 {
            lines.append("Dropped \(cycle.rejected) post(s) without a postId.")
        }
        if cycle.dryRun {
            lines.append("Dry run: nothing sent, nothing saved.")
        } else if notifications.queued + notifications.pending + notifications.dead > 0 {
            var text = "Notifications: \(notifications.queued) queued, \(notifications.delivered) delivered"
            if notifications.pending > 0 { text += ", \(notifications.pending) pending (see `postwatch outbox list`)" }
            if notifications.dead > 0 { text += ", \(notifications.dead) dead" }
            lines.append(text + ".")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2024-04-22 12:00 EDT` in the post's own zone (UTC when the zone is unknown).
    static func scheduled(_ date: Date, zone: String) -> String {
        var style = Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) \(timeZone: .specificName(.short))",
            timeZone: TimeZone(identifier: zone) ?? .gmt, calendar: Calendar(identifier: .gregorian))
        style.locale = Locale(identifier: "en_US_POSIX")
        return date.formatted(style)
    }

    /// Left-aligned columns, two spaces apart; cells longer than 40 characters are shortened.
    static func table(_ rows: [[String]]) -> [String] {
        let cells = rows.map { $0.map { $0.count > 40 ? String($0.prefix(39)) + "…" : $0 } }
        let widths = (0..<(cells.first?.count ?? 0)).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
