import Foundation
import Synchronization

/// What the receivers took: every webhook request answered 2xx and every email accepted, read
/// back as (rule, channel, idempotency key, events) — the deliveries the model is compared with.
///
/// A request counts once the receiver chose to accept it, even when the sender was killed before
/// reading the answer: the receiver has it, and postwatch will send it again under the same key.
final class DeliveryLog: Sendable {
    /// One event of a delivered notification, with the cycle number that makes it an occurrence.
    struct Event: Hashable, Sendable {
        var postId: String
        var kind: String
        var from: String
        var to: String
        /// nil for email, whose text carries no cycle (one X-Postwatch-Idempotency-Key is one occurrence there).
        var cycle: Int?
        var platform: String?
        var accountId: String?
    }

    struct Delivery: Sendable {
        var channel: String
        var rule: String
        var key: String
        var groupKey: String
        var events: [Event]
    }

    private let state = Mutex<(deliveries: [Delivery], unreadable: [String])>(([], []))

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    /// Accepted requests that could not be read as a notification (each is a discrepancy).
    var unreadable: [String] { state.withLock { $0.unreadable } }

    /// Records a webhook body the receiver accepted on `channel`.
    func recordWebhook(channel: String, body: Data, header key: String?) {
        guard let delivery = Self.webhook(channel: channel, body: body) else {
            state.withLock { $0.unreadable.append("\(channel): \(String(decoding: body.prefix(300), as: UTF8.self))") }
            return
        }
        if key != delivery.key {
            state.withLock { $0.unreadable.append("\(channel): Idempotency-Key header \(key ?? "none") ≠ body \(delivery.key)") }
        }
        state.withLock { $0.deliveries.append(delivery) }
    }

    /// A webhook body (postwatch's JSON document) read as a notification; nil when it is not one.
    static func webhook(channel: String, body: Data) -> Delivery? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let rule = object["rule"] as? String, let key = object["idempotencyKey"] as? String,
            let events = object["events"] as? [[String: Any]]
        else { return nil }
        let parsed = events.map { event in
            let post = event["post"] as? [String: Any]
            return Event(
                postId: post?["postId"] as? String ?? "?", kind: event["kind"] as? String ?? "?",
                from: event["from"] as? String ?? "?", to: event["to"] as? String ?? "?",
                cycle: event["cycle"] as? Int ?? -1, platform: post?["platform"] as? String,
                accountId: post?["accountId"] as? String)
        }
        return Delivery(channel: channel, rule: rule, key: key, groupKey: object["groupKey"] as? String ?? "", events: parsed)
    }

    /// Records an accepted email: the rule's body template lists `EVENT postId from to` lines.
    func recordEmail(channel: String, rule: String, text: String) {
        let unfolded = text.replacingOccurrences(of: "=\r\n", with: "")
        // One notification is one idempotency key (a resend has a new Message-ID, the same key).
        let messageID = unfolded.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-postwatch-idempotency-key:") }
            .map { String($0.dropFirst("x-postwatch-idempotency-key:".count)).trimmingCharacters(in: .whitespaces) }
        let events = unfolded.split(separator: "\r\n").compactMap { line -> Event? in
            let words = line.split(separator: " ")
            guard words.count == 4, words[0] == "EVENT" else { return nil }
            let to = String(words[3])
            return Event(postId: String(words[1]), kind: to == "deleted" ? "deleted" : "transition", from: String(words[2]), to: to)
        }
        guard let messageID, !events.isEmpty else {
            state.withLock { $0.unreadable.append("\(channel): \(text.prefix(300))") }
            return
        }
        state.withLock { $0.deliveries.append(Delivery(channel: channel, rule: rule, key: messageID, groupKey: "", events: events)) }
    }
}
