import Foundation

/// The receivers' side of a chaos run against what the sandbox's record obliges.
///
/// Every owed event must reach `/audit` (any rule's webhook) and its hook (`/ops` for failed,
/// `/ops2` for posted), in an accepted (2xx) request; an event twice is a duplicate, allowed
/// only when every copy is the same notification (one idempotency key on `/audit`, one text on
/// a hook: a resend of one outbox entry); an event nobody owes is a discrepancy too.
struct ChaosComparison {
    var lost: [String] = []
    var unexpected: [String] = []
    /// Events delivered more than once as one notification (allowed: at-least-once).
    var duplicates = 0
    /// Events delivered as two different notifications.
    var differentKeys: [String] = []
    var received = 0

    init(owed: Set<ChaosHistory.Owed>, arrivals: [ChaosReceivers.Arrival]) {
        let accepted = arrivals.filter(\.accepted)
        received = accepted.count
        for path in [ChaosReceivers.audit] + ChaosReceivers.hooks.keys.sorted() {
            let status = ChaosReceivers.hooks[path]
            let expected = owed.filter { status == nil || $0.to == status }
            var keys: [ChaosHistory.Owed: [String]] = [:]
            for arrival in accepted where arrival.path == path {
                for event in arrival.events { keys[event, default: []].append(arrival.key) }
            }
            for event in expected.subtracting(keys.keys).sorted() { lost.append("\(path): \(event)") }
            for event in Set(keys.keys).subtracting(expected).sorted() { unexpected.append("\(path): \(event)") }
            for (event, copies) in keys where copies.count > 1 {
                if Set(copies).count == 1 {
                    duplicates += copies.count - 1
                } else {
                    differentKeys.append("\(path): \(event) came in \(Set(copies).count) different notifications")
                }
            }
        }
    }

    /// What the store committed against what is owed: each owed event once, nothing else.
    static func committed(owed: Set<ChaosHistory.Owed>, events: [ChaosHistory.Owed: Int]) -> [String] {
        var problems: [String] = []
        for event in owed.sorted() where events[event] != 1 {
            problems.append("the store recorded \(event) \(events[event] ?? 0) times, owed once")
        }
        for (event, count) in events.sorted(by: { $0.key < $1.key }) where !owed.contains(event) {
            problems.append("the store recorded \(event) \(count) times, not owed")
        }
        return problems
    }

    var discrepancies: [String] {
        lost.map { "lost \($0)" } + unexpected.map { "not owed \($0)" } + differentKeys
    }
}
