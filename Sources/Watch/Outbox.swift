import Foundation

/// A notification waiting for delivery, delivered, or given up on.
public struct OutboxEntry: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, delivered, dead
    }

    public var id: Int64
    public var draft: OutboxDraft
    public var state: State
    public var attempts: Int
    public var createdAt: Date
    /// A pending entry is not tried before this.
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    /// Email whose server answered address by address: what became of each. Empty for every
    /// other notification, and for an email sent (or refused) as a whole: it goes to all of
    /// the channel's addresses.
    public var recipients: [OutboxRecipient]

    public init(
        id: Int64, draft: OutboxDraft, state: State, attempts: Int, createdAt: Date,
        nextAttemptAt: Date, lastError: String? = nil, deliveredAt: Date? = nil, recipients: [OutboxRecipient] = []
    ) {
        self.id = id
        self.draft = draft
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
        self.recipients = recipients
    }
}

/// The outbox as delivery sees it (implemented by the store).
///
/// On SQLite one process delivers (the state file's lock keeps a second out), and
/// ``due(at:limitPerChannel:)`` only reads. On the shared store (PostgreSQL, issue 17) every
/// replica delivers: `due` claims what it returns for a lease, so that no two replicas send the
/// same entry, and the store's ``SendPermits`` says before each send whether the claim is still
/// this replica's. The marks below clear the claim.
public protocol Outbox: Sendable {
    /// Pending entries whose `nextAttemptAt` has come, oldest first, at most `limitPerChannel`
    /// of each channel: however many one busy channel has waiting, every other channel's due
    /// entries are in the answer (one failing destination never delays another). A shared store
    /// answers with the entries this replica holds or could claim, and claims them.
    func due(at now: Date, limitPerChannel: Int) async throws -> [OutboxEntry]
    /// The earliest `nextAttemptAt` of a pending entry, due or not; nil when nothing is pending.
    func nextAttempt() async throws -> Date?
    /// Records the delivery; `recipients` replaces the entry's when given; `attempt`, when
    /// given, joins the entry's delivery log (the history) in the same transaction.
    func markDelivered(_ id: Int64, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date) async throws
    /// Records a failed attempt: retried at `nextAttemptAt`, or `dead` when `nextAttemptAt` is nil
    /// (its `nextAttemptAt` then becomes `now`, the time it died, which retention counts from);
    /// `recipients` replaces the entry's when given; `attempt`, when given, joins the entry's
    /// delivery log with `error` (already redacted) and its outcome, in the same transaction.
    func markFailed(
        _ id: Int64, error: String, nextAttemptAt: Date?, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date
    ) async throws
    /// Marks every pending entry of `channel` dead at once, with `error` as its last error (its
    /// `nextAttemptAt` becomes `now`, as in ``markFailed(_:error:nextAttemptAt:recipients:at:)``);
    /// returns how many. For a destination gone for good (a deleted Discord webhook answers
    /// 404): its other notifications would only fail the same way, for hours. Attempts are not
    /// counted: these entries were not tried.
    @discardableResult
    func markPendingDead(channel: String, error: String, at now: Date) async throws -> Int
    /// One entry, nil when there is none with this ID.
    func entry(_ id: Int64) async throws -> OutboxEntry?
    /// Entries in a state (all states when nil), newest first.
    func entries(in state: OutboxEntry.State?, limit: Int) async throws -> [OutboxEntry]
    /// Makes a dead or pending entry due now again, its dead recipients pending again (the
    /// delivered ones are not sent to twice).
    func retry(_ id: Int64, at now: Date) async throws -> Bool
    /// Deletes an entry.
    func drop(_ id: Int64) async throws -> Bool
    /// Counts by state (for metrics and `check`'s exit code 4).
    func depth() async throws -> [OutboxEntry.State: Int]
    /// The pending entry of `channel` queued first (lowest id), due or not; nil when none. A
    /// resolve waits for it: it must never reach a peer before the trigger it closes.
    func oldestPending(channel: String) async throws -> OutboxEntry?
}

extension Outbox {
    /// Records the delivery, without a delivery log entry.
    public func markDelivered(_ id: Int64, recipients: [OutboxRecipient]?, at now: Date) async throws {
        try await markDelivered(id, recipients: recipients, attempt: nil, at: now)
    }

    /// Records a failed attempt, without a delivery log entry.
    public func markFailed(_ id: Int64, error: String, nextAttemptAt: Date?, recipients: [OutboxRecipient]?, at now: Date) async throws {
        try await markFailed(id, error: error, nextAttemptAt: nextAttemptAt, recipients: recipients, attempt: nil, at: now)
    }

    /// Records the delivery of a notification sent as a whole.
    public func markDelivered(_ id: Int64, at now: Date) async throws {
        try await markDelivered(id, recipients: nil, at: now)
    }

    /// Records a failed attempt of a notification sent as a whole.
    public func markFailed(_ id: Int64, error: String, nextAttemptAt: Date?, at now: Date) async throws {
        try await markFailed(id, error: error, nextAttemptAt: nextAttemptAt, recipients: nil, at: now)
    }
}
