import Foundation

/// The seam between the cycle and notifications: turns a cycle's events into outbox entries.
///
/// `route` is pure: it reads the throttle state it is given and returns the new one, and the
/// cycle writes the state, the events, the outbox entries and the throttle state in one
/// transaction. It is called on every complete cycle, even without events, so that events held
/// back by a throttle go out once its window has passed.
public protocol Router: Sendable {
    /// The durations (seconds) of the `overdue` triggers in the rules; the diff emits an overdue
    /// event once per post and duration.
    var overdueThresholds: [Int] { get }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing

    /// Routes with the store's open alerts of the events' posts (``Store/openAlerts(forPosts:)``):
    /// a router that resolves reads them to know which triggers went out.
    func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>
    ) -> Routing

    /// Routes with everything a cycle reads from the store: the active `silences` (a muted event
    /// is reported in ``Routing/silenced``, never notified) and the ``ScheduledState`` (what
    /// digests collected, reminders owed; the answer says what changes in it).
    func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing
}

extension Router {
    /// A router without silences, digests or reminders routes as if there were none.
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: openAlerts)
    }

    /// Routes with silences and no digest or reminder state (tests, tools).
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence]
    ) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: openAlerts, silences: silences, scheduled: ScheduledState())
    }

    /// Routes with digest and reminder state and no silence (tests, tools).
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        scheduled: ScheduledState
    ) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: openAlerts, silences: [], scheduled: scheduled)
    }

    /// A router that never resolves has no use for open alerts.
    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>
    ) -> Routing {
        route(events, at: now, throttle: throttle)
    }
}

/// A throttle is kept per rule and group key.
public struct ThrottleKey: Sendable, Hashable, Codable {
    public var rule: String
    public var group: String
    public init(rule: String, group: String) {
        self.rule = rule
        self.group = group
    }
}

/// What a throttle remembers: when it last let a message through and what it holds back.
public struct ThrottleState: Sendable, Hashable, Codable {
    public var lastSentAt: Date?
    /// Events held back since `lastSentAt`; never dropped, they go into the next message.
    public var held: [Event]
    public var heldSince: Date?
    /// Events that resolve a post whose trigger is among `held`: applied right after the held
    /// message is queued, so a trigger that goes out late is still resolved. Nil when none
    /// (optional, so states written before it existed decode).
    public var resolving: [Event]?
    public init(lastSentAt: Date? = nil, held: [Event] = [], heldSince: Date? = nil, resolving: [Event]? = nil) {
        self.lastSentAt = lastSentAt
        self.held = held
        self.heldSince = heldSince
        self.resolving = resolving
    }
}

/// The result of routing one cycle.
public struct Routing: Sendable {
    public var notifications: [OutboxDraft]
    /// Throttle states to write; `nil` deletes the key.
    public var throttle: [ThrottleKey: ThrottleState?]
    /// The names of the rules each event matched, in rule order, aligned with the events given
    /// to `route` (`fired[i]` is for `events[i]`; `[]` when it matched none). A rule fires when it
    /// matches, whether its message goes out now or is held by its throttle.
    ///
    /// A router that does not report matches leaves it empty (`[]`, not one `[]` per event):
    /// readers take an index past its end as "no rules".
    public var fired: [[String]]
    /// Alerts whose trigger is among `notifications`, and alerts whose resolve is: the commit
    /// writes them with the outbox rows (``CycleCommit/openedAlerts``).
    public var openedAlerts: [OpenAlert] = []
    public var closedAlerts: [OpenAlert] = []
    /// Matched events a silence kept from every message of their rule: the commit records them
    /// (``CycleCommit/silenced``). They are in ``fired`` all the same: the rule did fire.
    public var silenced: [SilencedEvent] = []
    /// Ended silences summarised by this routing (``ScheduledState/endedSilences``): the commit
    /// marks them, so each summary goes once.
    public var summarizedSilences: [Int64] = []
    /// What became of each matched event, per rule, in this cycle: notified (channel and
    /// idempotency key), held by the throttle (until when), resolved. The history of
    /// `postwatch history`, committed with the cycle (``CycleCommit/dispositions``). A stage
    /// that keeps events back (a silence, a window, a digest) appends its own.
    public var dispositions: [EventDisposition] = []
    /// Digest times handled, events collected for a digest, and reminder changes: the commit
    /// writes them (``CycleCommit/digestsSent``, ``CycleCommit/digestEntries``,
    /// ``CycleCommit/reminders``).
    public var digestsSent: [String: Date] = [:]
    public var digestEntries: [DigestEntry] = []
    public var reminders: [ReminderKey: Reminder?] = [:]
    /// Events a maintenance window kept from a rule or a channel (``CycleCommit/held``).
    public var held: [HeldEvent] = []
    public init(
        notifications: [OutboxDraft] = [], throttle: [ThrottleKey: ThrottleState?] = [:], fired: [[String]] = []
    ) {
        self.notifications = notifications
        self.throttle = throttle
        self.fired = fired
    }
}

/// One notification to one channel, before it is in the outbox.
public struct OutboxDraft: Sendable, Hashable, Codable {
    /// Stable across retries and restarts: the webhook `Idempotency-Key`, the email `Message-ID`.
    public var idempotencyKey: String
    /// The channel's name in the rules (never its URL: that is a secret, resolved at delivery).
    public var channel: String
    public var rule: String
    /// Opaque to Watch: what Notify needs to send it (the rendered message).
    public var payload: Data
    public init(idempotencyKey: String, channel: String, rule: String, payload: Data) {
        self.idempotencyKey = idempotencyKey
        self.channel = channel
        self.rule = rule
        self.payload = payload
    }
}
