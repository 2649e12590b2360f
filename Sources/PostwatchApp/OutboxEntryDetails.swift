import Foundation
import Notify
import Watch

/// One outbox entry as `postwatch outbox show ID` prints it: a field a line, nothing cut, and
/// for an email answered address by address, what became of each address.
///
/// The last error was redacted when it was recorded (it holds a destination's words); the
/// message is what the channel was to receive, with no URL or secret in it.
struct OutboxEntryDetails {
    let entry: OutboxEntry
    let now: Date

    func rendered() -> String {
        var fields: [(String, String)] = [
            ("ID", String(entry.id)), ("State", entry.state.rawValue), ("Channel", entry.draft.channel),
            ("Rule", entry.draft.rule), ("Attempts", String(entry.attempts)),
            ("Created", OutboxTable.time(entry.createdAt)),
        ]
        switch entry.state {
        case .pending: fields.append(("Next attempt", OutboxTable.time(entry.nextAttemptAt)))
        case .delivered: fields.append(("Delivered", entry.deliveredAt.map(OutboxTable.time) ?? "-"))
        case .dead: break
        }
        fields.append(("Idempotency key", entry.draft.idempotencyKey))
        fields.append(("Last error", entry.lastError.map(Self.line) ?? "-"))
        if let document = try? NotificationDocument.decode(entry.draft.payload) {
            fields.append(("Severity", document.severity.rawValue))
            fields.append(("Events", String(document.events.count)))
            fields.append(("Title", Self.line(document.message.title)))
        }
        let width = fields.map(\.0.count).max() ?? 0
        var lines = fields.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        // An email the server answered address by address: what became of each.
        if !entry.recipients.isEmpty {
            lines.append("Recipients")
            let addressWidth = entry.recipients.map { Self.line($0.address).count }.max() ?? 0
            for recipient in entry.recipients {
                let address = Self.line(recipient.address).padding(toLength: addressWidth, withPad: " ", startingAt: 0)
                let state = recipient.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                let line = "  \(address)  \(state)  \(Self.line(recipient.reply ?? ""))"
                lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line, control characters out (a stored text can hold anything).
    static func line(_ text: String) -> String {
        OutboxTable.cell(text, Int.max)
    }
}
