import Foundation

/// Which history rows to read (`postwatch history`, `GET /api/v1/history`). Every filter given
/// must hold; nil filters nothing.
public struct HistoryQuery: Sendable, Hashable {
    public var postId: String?
    public var rule: String?
    /// Rows about this channel: notifications to it, and events held back from it.
    public var channel: String?
    /// Rows recorded at or after this time.
    public var since: Date?
    /// The newest rows, at most this many.
    public var limit: Int

    public init(postId: String? = nil, rule: String? = nil, channel: String? = nil, since: Date? = nil, limit: Int = 100) {
        self.postId = postId
        self.rule = rule
        self.channel = channel
        self.since = since
        self.limit = limit
    }
}

/// One row of the history: an event, a rule it matched, what became of it in one cycle, and,
/// when it went out, the notification as the outbox has it now with every delivery attempt.
public struct HistoryEntry: Sendable, Hashable {
    /// The event as the history keeps it (the post's id, not the post).
    public struct EventSummary: Sendable, Hashable {
        public var kind: Event.Kind
        public var postId: String
        public var from: String
        public var to: String
        public var overdueSeconds: Int?
        public var detectedAt: Date
        /// The cycle that found it (an event released by a throttle was found earlier).
        public var cycle: Int64?

        public init(kind: Event.Kind, postId: String, from: String, to: String, overdueSeconds: Int?, detectedAt: Date, cycle: Int64?) {
            self.kind = kind
            self.postId = postId
            self.from = from
            self.to = to
            self.overdueSeconds = overdueSeconds
            self.detectedAt = detectedAt
            self.cycle = cycle
        }

        public init(_ event: Event) {
            self.init(
                kind: event.kind, postId: event.post.postId, from: event.from, to: event.to,
                overdueSeconds: event.overdueSeconds, detectedAt: event.detectedAt, cycle: event.cycle)
        }
    }

    /// The notification of a `notified` or `resolved` row, read from the outbox when the row
    /// was read. Nil when the outbox no longer has it (dropped by `outbox drop`).
    public struct Notification: Sendable, Hashable {
        public var outboxId: Int64
        public var state: OutboxEntry.State
        public var deliveredAt: Date?
        /// When a pending notification is tried next.
        public var nextAttemptAt: Date?
        /// Why the last attempt failed, or why it was never attempted (a destination gone).
        public var lastError: String?
        /// Oldest first.
        public var attempts: [DeliveryAttemptRecord]

        public init(
            outboxId: Int64, state: OutboxEntry.State, deliveredAt: Date?, nextAttemptAt: Date?, lastError: String?,
            attempts: [DeliveryAttemptRecord]
        ) {
            self.outboxId = outboxId
            self.state = state
            self.deliveredAt = deliveredAt
            self.nextAttemptAt = nextAttemptAt
            self.lastError = lastError
            self.attempts = attempts
        }
    }

    public var id: Int64
    /// The cycle that recorded the row.
    public var cycleId: Int64
    /// When that cycle started.
    public var recordedAt: Date
    public var rule: String
    public var event: EventSummary
    public var disposition: Disposition
    /// The channel the row is about (``EventDisposition/channel``).
    public var channel: String?
    public var notification: Notification?

    public init(
        id: Int64, cycleId: Int64, recordedAt: Date, rule: String, event: EventSummary, disposition: Disposition,
        channel: String? = nil, notification: Notification? = nil
    ) {
        self.id = id
        self.cycleId = cycleId
        self.recordedAt = recordedAt
        self.rule = rule
        self.event = event
        self.disposition = disposition
        self.channel = disposition.channel ?? channel
        self.notification = notification
    }
}
