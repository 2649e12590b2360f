import Foundation

/// A silence: for a while, the matched events its condition covers are recorded instead of
/// notified (issue 16; `postwatch silence add`, `POST /api/v1/silences`).
///
/// Watch keeps the condition as text (``matcher``, the rule language's `where` syntax): the
/// store and the cycle never evaluate it, Notify compiles it with `Rules.Matcher` when it
/// routes. A silence is never deleted: expiring it ends it now and keeps the row, so what was
/// muted, by whom and why stays answerable.
public struct Silence: Sendable, Hashable, Codable {
    /// Where a silence is in its life at a given time.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Starts later (`--starts-at`).
        case pending
        /// Mutes now.
        case active
        /// Ended: its time ran out, or someone expired it.
        case expired
    }

    /// Short and stable: what users type (`silence expire 3`), what muted events record.
    public var id: Int64
    /// The condition, in the `where` syntax (`accountId = "acc_1" and platform = tiktok`).
    public var matcher: String
    public var startsAt: Date
    /// When it stops muting; set to the time of an early expiry.
    public var endsAt: Date
    public var createdAt: Date
    public var author: String
    public var comment: String
    /// When someone ended it early (nil when it ran, or runs, its course).
    public var expiredAt: Date?
    /// When it ends, the channels of the rules it muted get one message per rule saying what
    /// was muted (`silence add --summary`).
    public var summary: Bool

    public init(
        id: Int64, matcher: String, startsAt: Date, endsAt: Date, createdAt: Date, author: String, comment: String,
        expiredAt: Date? = nil, summary: Bool = false
    ) {
        self.id = id
        self.matcher = matcher
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdAt = createdAt
        self.author = author
        self.comment = comment
        self.expiredAt = expiredAt
        self.summary = summary
    }

    /// Pending before `startsAt`, active from it until `endsAt` (excluded), expired after.
    public func state(at now: Date) -> State {
        if now >= endsAt { return .expired }
        return now < startsAt ? .pending : .active
    }

    /// True when it mutes at `now`.
    public func isActive(at now: Date) -> Bool { state(at: now) == .active }
}

/// A silence as asked for, before the store gives it an id.
public struct SilenceDraft: Sendable, Hashable {
    public var matcher: String
    public var startsAt: Date
    public var endsAt: Date
    public var createdAt: Date
    public var author: String
    public var comment: String
    /// See ``Silence/summary``.
    public var summary: Bool

    public init(
        matcher: String, startsAt: Date, endsAt: Date, createdAt: Date, author: String, comment: String, summary: Bool = false
    ) {
        self.summary = summary
        self.matcher = matcher
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdAt = createdAt
        self.author = author
        self.comment = comment
    }
}

/// A matched event a silence kept from being notified: recorded with the cycle, never lost.
public struct SilencedEvent: Sendable, Hashable {
    /// The rule the event fired (it fired: `fired` reports it; only its message is muted).
    public var rule: String
    /// The silence that muted it (the first active one, by id, whose condition matched).
    public var silenceId: Int64
    /// The event as routed: its post and transition.
    public var event: Event

    public init(rule: String, silenceId: Int64, event: Event) {
        self.rule = rule
        self.silenceId = silenceId
        self.event = event
    }
}

/// A muted event as the store recorded it (``Store/silencedEvents(silenceId:limit:)``).
public struct StoredSilencedEvent: Sendable, Hashable {
    public var id: Int64
    public var cycleId: Int64
    public var rule: String
    public var silenceId: Int64
    public var postId: String
    public var accountId: String
    /// `transition`, `overdue` or `deleted` (``Event/Kind``), and the statuses it went between.
    public var kind: String
    public var from: String
    public var to: String
    public var detectedAt: Date

    public init(
        id: Int64, cycleId: Int64, rule: String, silenceId: Int64, postId: String, accountId: String, kind: String,
        from: String, to: String, detectedAt: Date
    ) {
        self.id = id
        self.cycleId = cycleId
        self.rule = rule
        self.silenceId = silenceId
        self.postId = postId
        self.accountId = accountId
        self.kind = kind
        self.from = from
        self.to = to
        self.detectedAt = detectedAt
    }
}

/// A silence that ended and asked for a summary (``Silence/summary``), with the events it
/// muted, not summarised yet: the router drafts one message per rule from them and the commit
/// marks the silence summarised (``CycleCommit/summarizedSilences``), so it is sent once.
public struct EndedSilence: Sendable, Hashable {
    public var silence: Silence
    /// The muted events, oldest first (those recorded with their post).
    public var muted: [SilencedEvent]

    public init(silence: Silence, muted: [SilencedEvent]) {
        self.silence = silence
        self.muted = muted
    }
}
