import Foundation
import Timekeeping
import Watch

/// The history for a terminal: per row, a line saying when, which rule, which post and what
/// happened to it, then what became of it, then one line per delivery attempt (`-` where no
/// peer answered: a timeout, the console). Times are UTC;
/// a time on the row's own day is shown as its time of day.
///
/// ```
/// 2026-12-03 12:00:00Z  Failed posts  post_1  pending_render → failed
///   sent to ops at 12:00:03 (HTTP 200, attempt 2)
///     attempt 1  12:00:01  HTTP 500  retry      12 ms  HTTP 500: upstream down
///     attempt 2  12:00:03  HTTP 200  delivered  8 ms
/// ```
struct HistoryText {
    let entries: [HistoryEntry]

    func rendered() -> String {
        guard !entries.isEmpty else { return "No history matches.\n" }
        return entries.map(block).joined()
    }

    private func block(_ entry: HistoryEntry) -> String {
        let day = entry.recordedAt
        var lines = [
            [OutboxTable.time(entry.recordedAt), OutboxTable.cell(entry.rule, 60), OutboxTable.cell(entry.event.postId, 60), Self.change(entry.event)]
                .joined(separator: "  "),
            "  " + Self.outcome(entry, day: day),
        ]
        for attempt in entry.notification?.attempts ?? [] {
            let cells = [
                "attempt \(attempt.number)", Self.time(attempt.startedAt, day: day), (attempt.answer ?? "-").padding(8),
                attempt.outcome.rawValue.padding(9), "\(Int((attempt.duration.secondsValue * 1000).rounded())) ms",
            ] + (attempt.error.map { [OutboxTable.cell($0, 160)] } ?? [])
            lines.append("    " + cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `pending_render → failed`, `overdue 30m (generated)`, `posted → deleted`.
    static func change(_ event: HistoryEntry.EventSummary) -> String {
        switch event.kind {
        case .overdue:
            let after = event.overdueSeconds.map { " " + Duration.seconds($0).compactDescription } ?? ""
            return "overdue\(after) (\(OutboxTable.cell(event.to, 40)))"
        case .transition, .deleted:
            return "\(OutboxTable.cell(event.from, 40)) → \(OutboxTable.cell(event.to, 40))"
        }
    }

    /// What became of the event: sent (with the last answer), queued, given up on, or why not.
    static func outcome(_ entry: HistoryEntry, day: Date) -> String {
        switch entry.disposition {
        case .notified(let channel, _):
            return delivery(entry.notification, channel: OutboxTable.cell(channel, 60), day: day)
        case .resolved(let channel, _):
            return "resolve " + delivery(entry.notification, channel: OutboxTable.cell(channel, 60), day: day)
        case .heldByThrottle(let until):
            return "held by throttle until \(time(until, day: day))" + heldFrom(entry.channel)
        case .silenced(let silenceId):
            return "silenced by silence \(OutboxTable.cell(silenceId, 60))"
        case .heldByWindow(let window, let until):
            return "held by window \"\(OutboxTable.cell(window, 60))\"" + (until.map { " until \(time($0, day: day))" } ?? "")
                + heldFrom(entry.channel)
        case .collectedForDigest(let at):
            return "collected for the digest" + (at.map { " due at \(time($0, day: day))" } ?? "")
        }
    }

    /// ` (for ops)`: the channel an event was held back from; nothing for the rule as a whole.
    static func heldFrom(_ channel: String?) -> String {
        channel.map { " (for \(OutboxTable.cell($0, 60)))" } ?? ""
    }

    static func delivery(_ notification: HistoryEntry.Notification?, channel: String, day: Date) -> String {
        guard let notification else { return "queued for \(channel) (no longer in the outbox)" }
        let last = notification.attempts.last
        let tries = last.map { $0.number } ?? 0
        switch notification.state {
        case .delivered:
            let at = notification.deliveredAt.map { " at \(time($0, day: day))" } ?? ""
            let details = [last?.answer, tries > 0 ? "attempt \(tries)" : nil].compactMap { $0 }
            return "sent to \(channel)\(at)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
        case .pending:
            guard tries > 0 else { return "queued for \(channel)" }
            let next = notification.nextAttemptAt.map { ", next try at \(time($0, day: day))" } ?? ""
            let why = (last?.error ?? notification.lastError).map { " (\(OutboxTable.cell($0, 120)))" } ?? ""
            return "queued for \(channel): attempt \(tries) failed\(why)\(next)"
        case .dead:
            let why = notification.lastError.map { ": \(OutboxTable.cell($0, 120))" } ?? ""
            let after = tries > 0 ? " after \(tries) attempt\(tries == 1 ? "" : "s")" : ""
            return "not delivered to \(channel), given up\(after)\(why)"
        }
    }

    /// `12:00:03` on the row's UTC day, the whole date and time otherwise.
    static func time(_ date: Date, day: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard calendar.isDate(date, inSameDayAs: day) else { return OutboxTable.time(date) }
        return String(OutboxTable.time(date).dropFirst(11).dropLast())
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
