import Foundation
import Watch

/// The silences as a table for a terminal: one line each, long text cut.
struct SilenceTable {
    let silences: [Silence]
    let now: Date

    func rendered() -> String {
        let header = ["ID", "STATE", "MATCHER", "STARTS", "ENDS", "AUTHOR", "COMMENT"]
        let rows = silences.map { silence -> [String] in
            [
                String(silence.id), silence.state(at: now).rawValue, OutboxTable.cell(silence.matcher, 48),
                Self.time(silence.startsAt), Self.time(silence.endsAt), OutboxTable.cell(silence.author, 16),
                OutboxTable.cell(silence.comment, 48),
            ]
        }
        return TextTable.rendered([header] + rows)
    }

    static func time(_ date: Date) -> String { OutboxTable.time(date) }
}
