import Foundation

/// What became of an event for one rule it matched: the answer to "were we told, and if not,
/// why not?" (`postwatch history`).
///
/// Each routing stage that can keep an event from going out (or send it) has its case; a new
/// stage adds one, with its ``kind`` word, and the store and the history output follow from
/// ``kind`` and ``columns``. Only ``notified(channel:idempotencyKey:)``,
/// ``heldByThrottle(until:)`` and ``resolved(channel:idempotencyKey:)`` are recorded by the
/// router today; the others are the words of issue 16's silences, windows and digests.
public enum Disposition: Sendable, Hashable {
    /// Went out (or is queued) to `channel` in the notification keyed `idempotencyKey` (the
    /// outbox entry and its delivery attempts are found by that key).
    case notified(channel: String, idempotencyKey: String)
    /// Held back by the rule's throttle: it goes into the group's next message, no earlier
    /// than `until`.
    case heldByThrottle(until: Date)
    /// Muted by the silence `silenceId`: recorded, not sent.
    case silenced(silenceId: String)
    /// Held by the maintenance window `window` (of the rule or the channel) until it ends.
    case heldByWindow(window: String, until: Date?)
    /// Collected for the rule's scheduled digest, sent at `at`.
    case collectedForDigest(at: Date?)
    /// The event closed an open alert: a resolve went to `channel` in `idempotencyKey`.
    case resolved(channel: String, idempotencyKey: String)

    /// The word stored and shown (`notified`, `held-by-throttle`, …); stable, documented in
    /// docs/history.md.
    public var kind: String {
        switch self {
        case .notified: "notified"
        case .heldByThrottle: "held-by-throttle"
        case .silenced: "silenced"
        case .heldByWindow: "held-by-window"
        case .collectedForDigest: "collected-for-digest"
        case .resolved: "resolved"
        }
    }

    /// The channel a notification went to; nil for the dispositions that sent nothing.
    public var channel: String? { columns.channel }

    /// The idempotency key of the notification it went out in; nil when none.
    public var idempotencyKey: String? { columns.idempotencyKey }

    /// How a disposition is stored: its word and the columns its case fills. Every store
    /// writes these and reads them back with ``init(columns:)``.
    public struct Columns: Sendable, Hashable {
        public var kind: String
        public var channel: String?
        public var idempotencyKey: String?
        /// When a hold ends (throttle, window) or a digest is due.
        public var until: Date?
        /// What did it: a silence's id, a window's name.
        public var reference: String?

        public init(kind: String, channel: String? = nil, idempotencyKey: String? = nil, until: Date? = nil, reference: String? = nil) {
            self.kind = kind
            self.channel = channel
            self.idempotencyKey = idempotencyKey
            self.until = until
            self.reference = reference
        }
    }

    public var columns: Columns {
        switch self {
        case .notified(let channel, let key): Columns(kind: kind, channel: channel, idempotencyKey: key)
        case .heldByThrottle(let until): Columns(kind: kind, until: until)
        case .silenced(let silenceId): Columns(kind: kind, reference: silenceId)
        case .heldByWindow(let window, let until): Columns(kind: kind, until: until, reference: window)
        case .collectedForDigest(let at): Columns(kind: kind, until: at)
        case .resolved(let channel, let key): Columns(kind: kind, channel: channel, idempotencyKey: key)
        }
    }

    /// The disposition stored as `columns`; nil for a word this build does not know (a newer
    /// postwatch wrote it), which readers skip rather than misread.
    public init?(columns: Columns) {
        switch columns.kind {
        case "notified":
            guard let channel = columns.channel, let key = columns.idempotencyKey else { return nil }
            self = .notified(channel: channel, idempotencyKey: key)
        case "held-by-throttle":
            guard let until = columns.until else { return nil }
            self = .heldByThrottle(until: until)
        case "silenced":
            guard let id = columns.reference else { return nil }
            self = .silenced(silenceId: id)
        case "held-by-window":
            guard let window = columns.reference else { return nil }
            self = .heldByWindow(window: window, until: columns.until)
        case "collected-for-digest":
            self = .collectedForDigest(at: columns.until)
        case "resolved":
            guard let channel = columns.channel, let key = columns.idempotencyKey else { return nil }
            self = .resolved(channel: channel, idempotencyKey: key)
        default:
            return nil
        }
    }
}

/// One event, one rule it matched, and what became of it in one cycle: a row of the history.
/// An event held by a throttle has two per channel: held in the cycle that found it, notified
/// in the cycle that sent it.
public struct EventDisposition: Sendable, Hashable {
    public var event: Event
    public var rule: String
    public var disposition: Disposition
    /// The channel the row is about: where it went (``Disposition/channel``), or where it would
    /// have gone had it not been held (a throttle, a channel's window); nil when the
    /// disposition is the rule's as a whole (a silence).
    public var channel: String?

    /// A row; `channel` is the disposition's own when it names one.
    public init(event: Event, rule: String, disposition: Disposition, channel: String? = nil) {
        self.event = event
        self.rule = rule
        self.disposition = disposition
        self.channel = disposition.channel ?? channel
    }
}
