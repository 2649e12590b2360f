import Foundation
import Watch

/// One outbox entry for `postwatch outbox show ID`: its state and history, and for an email
/// answered address by address, what became of each address.
struct OutboxEntryDetail {
    let entry: OutboxEntry
    let now: Date

    func rendered() -> String {
        var lines = [
            "ID          \(entry.id)",
            "State       \(entry.state.rawValue)",
            "Channel     \(OutboxTable.cell(entry.draft.channel, 80))",
            "Rule        \(OutboxTable.cell(entry.draft.rule, 80))",
            "Key         \(OutboxTable.cell(entry.draft.idempotencyKey, 80))",
            "Attempts    \(entry.attempts)",
            "Created     \(OutboxTable.time(entry.createdAt))",
        ]
        switch entry.state {
        case .pending:
            let when = entry.nextAttemptAt <= now ? "due" : "in " + OutboxTable.relative(entry.nextAttemptAt.timeIntervalSince(now))
            lines.append("Next        \(when)")
        case .delivered:
            lines.append("Delivered   \(entry.deliveredAt.map(OutboxTable.time) ?? "-")")
        case .dead:
            break
        }
        if let lastError = entry.lastError {
            lines.append("Last error  \(OutboxTable.cell(lastError, 400))")
        }
        if !entry.recipients.isEmpty {
            lines.append("Recipients")
            let width = entry.recipients.map { OutboxTable.cell($0.address, 80).count }.max() ?? 0
            for recipient in entry.recipients {
                let address = OutboxTable.cell(recipient.address, 80).padding(toLength: width, withPad: " ", startingAt: 0)
                let state = recipient.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                let line = "  \(address)  \(state)  \(OutboxTable.cell(recipient.reply ?? "", 200))"
                lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
