import Foundation
import Watch

/// The outbox as a table for a terminal: one line per entry, columns aligned, long text cut.
struct OutboxTable {
    let entries: [OutboxEntry]
    let now: Date

    func rendered() -> String {
        let header = ["ID", "STATE", "CHANNEL", "RULE", "TRIES", "CREATED", "NEXT / DONE", "LAST ERROR"]
        let rows = entries.map { entry -> [String] in
            let when: String
            switch entry.state {
            case .pending: when = entry.nextAttemptAt <= now ? "due" : "in " + Self.relative(entry.nextAttemptAt.timeIntervalSince(now))
            case .delivered: when = entry.deliveredAt.map(Self.time) ?? "-"
            case .dead: when = "-"
            }
            return [
                String(entry.id), entry.state.rawValue, Self.cell(entry.draft.channel, 20), Self.cell(entry.draft.rule, 32),
                String(entry.attempts), Self.time(entry.createdAt), when, Self.cell(entry.lastError ?? "", 60),
            ]
        }
        return TextTable.rendered([header] + rows)
    }

    /// One line, at most `limit` characters (names and errors can hold anything).
    static func cell(_ text: String, _ limit: Int) -> String {
        let line = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
            .filter { !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) }
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return formatter.string(from: date)
    }

    static func relative(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 120 { return "\(s)s" }
        if s < 7_200 { return "\(s / 60)m" }
        return "\(s / 3_600)h \(s % 3_600 / 60)m"
    }
}
