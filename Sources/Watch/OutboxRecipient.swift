/// One address of an email notification and what became of it, once the server answered for
/// the addresses one by one: delivered, `pending` (refused for now, a 4xx: retried) or `dead`
/// (refused for good, a 5xx: never tried again unless `postwatch outbox retry`).
///
/// An entry keeps these so that a retry goes to the addresses still waiting and nobody gets
/// the mail twice because another address was refused.
public struct OutboxRecipient: Sendable, Hashable, Codable {
    public var address: String
    public var state: OutboxEntry.State
    /// The server's reply for this address (`550 5.1.1 <bob@example.com>: Recipient address
    /// rejected`), or why the message itself was refused; nil once delivered.
    public var reply: String?

    public init(address: String, state: OutboxEntry.State, reply: String? = nil) {
        self.address = address
        self.state = state
        self.reply = reply
    }
}

extension [OutboxRecipient] {
    /// These recipients with `outcomes` applied, address by address; an address new here is
    /// appended.
    public func updated(with outcomes: [OutboxRecipient]) -> [OutboxRecipient] {
        var result = self
        for outcome in outcomes {
            if let index = result.firstIndex(where: { $0.address == outcome.address }) {
                result[index] = outcome
            } else {
                result.append(outcome)
            }
        }
        return result
    }

    /// The addresses a next attempt goes to.
    public var pendingAddresses: [String] {
        filter { $0.state == .pending }.map(\.address)
    }

    /// One line for `LAST ERROR`: `delivered to 1 of 3; busy@example.com: 450 4.2.1 …
    /// (retried); rejected@example.com: 550 5.1.1 … (given up)`.
    public var summary: String {
        let delivered = filter { $0.state == .delivered }.count
        var parts = ["delivered to \(delivered) of \(count)"]
        for recipient in self where recipient.state != .delivered {
            let fate = recipient.state == .pending ? "retried" : "given up"
            parts.append("\(recipient.address): \(recipient.reply ?? "refused") (\(fate))")
        }
        return parts.joined(separator: "; ")
    }
}
