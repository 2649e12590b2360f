import Foundation
import Timekeeping
import Watch

/// `postwatch history --output json` and `GET /api/v1/history`: a stable document
/// (docs/history.md). Times are ISO 8601 in UTC; a field with no value is left out; new
/// fields may be added, none is renamed or removed without a new `version`.
public struct HistoryDocument: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        var id: Int64
        var cycle: Int64
        var recordedAt: Date
        var rule: String
        var event: EventSummary
        var disposition: Disposition
        var notification: Notification?
    }

    struct EventSummary: Encodable, Sendable {
        var kind: String
        var postId: String
        var from: String
        var to: String
        var overdueSeconds: Int?
        var detectedAt: Date
        var cycle: Int64?
    }

    struct Disposition: Encodable, Sendable {
        /// `notified`, `held-by-throttle`, `silenced`, `held-by-window`, `collected-for-digest`, `resolved`.
        var kind: String
        /// Where it went, or was held back from.
        var channel: String?
        var idempotencyKey: String?
        var until: Date?
        /// A silence's id, a window's name.
        var reference: String?
    }

    struct Notification: Encodable, Sendable {
        var outboxId: Int64
        var state: String
        var deliveredAt: Date?
        var nextAttemptAt: Date?
        var lastError: String?
        var attempts: [Attempt]
    }

    struct Attempt: Encodable, Sendable {
        var number: Int
        var startedAt: Date
        var durationMs: Int
        var outcome: String
        var answer: String?
        var error: String?
    }

    public var version = 1
    public var entries: [Entry]

    public init(entries: [HistoryEntry]) {
        self.entries = entries.map(Self.entry)
    }

    public func json() -> String {
        let data = (try? JSONEncoder.document().encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func entry(_ entry: HistoryEntry) -> Entry {
        let event = entry.event
        let columns = entry.disposition.columns
        return Entry(
            id: entry.id, cycle: entry.cycleId, recordedAt: entry.recordedAt, rule: entry.rule,
            event: EventSummary(
                kind: event.kind.rawValue, postId: event.postId, from: event.from, to: event.to,
                overdueSeconds: event.overdueSeconds, detectedAt: event.detectedAt, cycle: event.cycle),
            disposition: Disposition(
                kind: columns.kind, channel: entry.channel, idempotencyKey: columns.idempotencyKey, until: columns.until,
                reference: columns.reference),
            notification: entry.notification.map { notification in
                Notification(
                    outboxId: notification.outboxId, state: notification.state.rawValue, deliveredAt: notification.deliveredAt,
                    nextAttemptAt: notification.nextAttemptAt, lastError: notification.lastError,
                    attempts: notification.attempts.map { attempt in
                        Attempt(
                            number: attempt.number, startedAt: attempt.startedAt,
                            durationMs: Int((attempt.duration.secondsValue * 1000).rounded()), outcome: attempt.outcome.rawValue,
                            answer: attempt.answer, error: attempt.error)
                    })
            })
    }
}
