import Foundation
import Infinipost
import Logging
import Rules
import Synchronization
import Watch

@testable import Notify

/// An in-memory outbox with the semantics of the store's.
actor MemoryOutbox: Outbox {
    private(set) var rows: [Int64: OutboxEntry] = [:]
    /// The delivery log the marks were given, by entry.
    private(set) var attempts: [Int64: [DeliveryAttempt]] = [:]
    private var nextID: Int64 = 1
    /// How many times ``due(at:limitPerChannel:)`` was asked (a delivery loop's polls).
    private(set) var dueReads = 0

    /// Queues `document` as the store would (its key, channel and rule); returns its id.
    @discardableResult
    func add(_ document: NotificationDocument, at now: Date) throws -> Int64 {
        add(
            OutboxDraft(idempotencyKey: document.idempotencyKey, channel: document.channel, rule: document.rule, payload: try document.encoded()),
            at: now)
    }

    @discardableResult
    func add(_ draft: OutboxDraft, at now: Date) -> Int64 {
        let id = nextID
        nextID += 1
        rows[id] = OutboxEntry(id: id, draft: draft, state: .pending, attempts: 0, createdAt: now, nextAttemptAt: now)
        return id
    }

    func entry(_ id: Int64) -> OutboxEntry? { rows[id] }

    func due(at now: Date, limitPerChannel: Int) async throws -> [OutboxEntry] {
        dueReads += 1
        let due = rows.values.filter { $0.state == .pending && $0.nextAttemptAt <= now }
            .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        return Dictionary(grouping: due, by: \.draft.channel).values
            .flatMap { $0.prefix(limitPerChannel) }
            .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }
    func nextAttempt() async throws -> Date? {
        rows.values.filter { $0.state == .pending }.map(\.nextAttemptAt).min()
    }
    func markDelivered(_ id: Int64, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date) async throws {
        if let attempt, rows[id] != nil { attempts[id, default: []].append(attempt) }
        rows[id]?.state = .delivered
        rows[id]?.attempts += 1
        rows[id]?.deliveredAt = now
        if let recipients { rows[id]?.recipients = recipients }
    }
    func markFailed(
        _ id: Int64, error: String, nextAttemptAt: Date?, recipients: [OutboxRecipient]?, attempt: DeliveryAttempt?, at now: Date
    ) async throws {
        if let attempt, rows[id] != nil { attempts[id, default: []].append(attempt) }
        rows[id]?.attempts += 1
        rows[id]?.lastError = error
        if let recipients { rows[id]?.recipients = recipients }
        if let nextAttemptAt { rows[id]?.nextAttemptAt = nextAttemptAt } else { rows[id]?.state = .dead }
    }
    func oldestPending(channel: String) async throws -> OutboxEntry? {
        rows.values.filter { $0.state == .pending && $0.draft.channel == channel }.min { $0.id < $1.id }
    }
    func markPendingDead(channel: String, error: String, at now: Date) async throws -> Int {
        let ids = rows.values.filter { $0.draft.channel == channel && $0.state == .pending }.map(\.id)
        for id in ids {
            rows[id]?.state = .dead
            rows[id]?.lastError = error
            rows[id]?.nextAttemptAt = now
        }
        return ids.count
    }
    func entries(in state: OutboxEntry.State?, limit: Int) async throws -> [OutboxEntry] {
        Array(rows.values.filter { state == nil || $0.state == state }.sorted { $0.id > $1.id }.prefix(limit))
    }
    func retry(_ id: Int64, at now: Date) async throws -> Bool {
        guard rows[id] != nil, rows[id]?.state != .delivered else { return false }
        rows[id]?.state = .pending
        rows[id]?.nextAttemptAt = now
        rows[id]?.recipients = rows[id]?.recipients.map { OutboxRecipient(address: $0.address, state: $0.state == .dead ? .pending : $0.state, reply: $0.reply) } ?? []
        return true
    }
    func drop(_ id: Int64) async throws -> Bool { rows.removeValue(forKey: id) != nil }
    func depth() async throws -> [OutboxEntry.State: Int] {
        Dictionary(grouping: rows.values, by: \.state).mapValues(\.count)
    }
}

/// A channel that records what it was given and answers from a script.
final class ScriptedChannel: Channel {
    let name: String
    let kind: ChannelKind
    let destination: String
    let rateLimit: RateLimit?
    var redactedDestination: String { "https://scripted.test/…" }
    private let state: Mutex<(sent: [NotificationDocument], script: [DeliveryFailure?])>
    let delay: Duration
    /// While true, every send waits (polling) until ``release()``: a destination slow for as
    /// long as the test needs, however loaded the machine.
    private let held: Mutex<Bool>

    init(
        name: String, kind: ChannelKind = .slack, rateLimit: RateLimit? = nil, script: [DeliveryFailure?] = [],
        delay: Duration = .zero, held: Bool = false
    ) {
        self.held = Mutex(held)
        self.name = name
        self.kind = kind
        self.destination = "scripted:" + name
        self.rateLimit = rateLimit
        self.delay = delay
        state = Mutex(([], script))
    }

    var sent: [NotificationDocument] { state.withLock { $0.sent } }

    /// Lets held sends go on.
    func release() { held.withLock { $0 = false } }

    func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        if delay > .zero { try? await Task.sleep(for: delay) }
        while held.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
        let failure: DeliveryFailure? = state.withLock { state in
            let next = state.script.isEmpty ? nil : state.script.removeFirst()
            if next == nil { state.sent.append(document) }
            return next
        }
        if let failure { throw failure }
    }
}

