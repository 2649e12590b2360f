import Foundation
import Testing
@testable import Watch

/// The ``Outbox`` contract as every store keeps it, run once per ``StoreFactory``.
@Suite struct OutboxConformanceTests {
    func queue(_ drafts: [OutboxDraft], into store: any Store, at: Date = Fixture.t0) async throws {
        var commit = Fixture.cycle(at: at)
        commit.notifications = drafts
        try await store.commit(commit)
    }

    /// Queues one notification at `Fixture.t0`; returns its id.
    func queueOne(_ key: String, into store: any Store) async throws -> Int64 {
        try await queue([Fixture.draft(key)], into: store)
        return try #require(try await store.entries(in: .pending, limit: 1).first { $0.draft.idempotencyKey == key }?.id)
    }

    @Test(arguments: StoreFactory.all)
    func outboxLifecycle(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue(["k1", "k2", "k3"].map { Fixture.draft($0) }, into: store)
        let due = try await store.due(at: Fixture.t0, limitPerChannel: 10)
        #expect(due.map(\.draft.idempotencyKey) == ["k1", "k2", "k3"])
        try await store.markDelivered(due[0].id, at: Fixture.t0)
        try await store.markFailed(due[1].id, error: "503", nextAttemptAt: Fixture.t0.addingTimeInterval(30), at: Fixture.t0)
        try await store.markFailed(due[2].id, error: "404", nextAttemptAt: nil, at: Fixture.t0)
        #expect(try await store.due(at: Fixture.t0.addingTimeInterval(10), limitPerChannel: 10).isEmpty)
        #expect(try await store.due(at: Fixture.t0.addingTimeInterval(30), limitPerChannel: 10).map(\.id) == [due[1].id])
        #expect(try await store.depth() == [.pending: 1, .delivered: 1, .dead: 1])
        let dead = try await store.entries(in: .dead, limit: 10)
        #expect(dead.map(\.lastError) == ["404"])
        #expect(dead.first?.attempts == 1)
        #expect(try await store.retry(due[2].id, at: Fixture.t0))
        #expect(try await !store.retry(due[0].id, at: Fixture.t0))  // delivered stays delivered
        #expect(try await store.due(at: Fixture.t0, limitPerChannel: 10).map(\.id) == [due[2].id])
        #expect(try await store.drop(due[2].id))
        #expect(try await !store.drop(due[2].id))
        #expect(try await store.entries(in: nil, limit: 10).map(\.draft.idempotencyKey) == ["k2", "k1"])
    }

    /// Issue 11, defect 1: a key already queued used to fail the whole commit, and with it
    /// every later cycle. It is queued once, and the rest of the cycle applies.
    @Test(arguments: StoreFactory.all)
    func aKeyIsQueuedOnceAndADuplicateNeverFailsTheCommit(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue([Fixture.draft("k1")], into: store)
        var commit = Fixture.cycle()
        commit.upserts = [PostWrite(post: Fixture.post("p"), fingerprint: 1)]
        commit.notifications = [Fixture.draft("k1"), Fixture.draft("k2"), Fixture.draft("k2")]
        try await store.commit(commit)
        #expect(try await store.loadState().posts.count == 1)  // the cycle applied
        #expect(try await store.entries(in: nil, limit: 10).map(\.draft.idempotencyKey).sorted() == ["k1", "k2"])
    }

    /// A key stays taken once its notification is delivered or dead: never sent a second time.
    @Test(arguments: StoreFactory.all)
    func aSettledKeyIsNotQueuedAgain(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue([Fixture.draft("sent"), Fixture.draft("died")], into: store)
        let ids = try await store.due(at: Fixture.t0, limitPerChannel: 10).map(\.id)
        try await store.markDelivered(ids[0], at: Fixture.t0)
        try await store.markFailed(ids[1], error: "404", nextAttemptAt: nil, at: Fixture.t0)
        try await queue([Fixture.draft("sent"), Fixture.draft("died")], into: store, at: Fixture.t0.addingTimeInterval(60))
        #expect(try await store.depth() == [.pending: 0, .delivered: 1, .dead: 1])
    }

    /// Issue 11, defect 2: one channel with many due entries cannot fill the answer.
    @Test(arguments: StoreFactory.all)
    func dueGivesEveryChannelItsShareOldestFirst(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue((0..<5).map { Fixture.draft("busy\($0)", channel: "hook") }, into: store)
        try await queue([Fixture.draft("mail0", channel: "mail")], into: store, at: Fixture.t0.addingTimeInterval(1))
        try await queue([Fixture.draft("busy5", channel: "hook")], into: store, at: Fixture.t0.addingTimeInterval(2))
        let due = try await store.due(at: Fixture.t0.addingTimeInterval(2), limitPerChannel: 2)
        #expect(due.map(\.draft.idempotencyKey) == ["busy0", "busy1", "mail0"])
        #expect(try await store.due(at: Fixture.t0, limitPerChannel: 10).count == 5, "not yet due: the later ones")
        let first = try #require(due.first)
        #expect(first.state == .pending && first.attempts == 0 && first.recipients.isEmpty)
        #expect(first.createdAt == Fixture.t0 && first.nextAttemptAt == Fixture.t0)
        #expect(first.draft == Fixture.draft("busy0", channel: "hook"))
    }

    @Test(arguments: StoreFactory.all)
    func theNextAttemptIsTheEarliestPendingOne(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.nextAttempt() == nil)
        let now = Fixture.t0
        // More rows than any page a backend might read, the earliest retry among the newest:
        // an answer from the oldest rows only would be wrong.
        let count = 2_500
        try await queue((0..<count).map { Fixture.draft("k\($0)") }, into: store)
        let due = try await store.due(at: now, limitPerChannel: count)
        #expect(due.count == count)
        for (index, entry) in due.enumerated() {
            try await store.markFailed(
                entry.id, error: "503", nextAttemptAt: now.addingTimeInterval(index < count - 1 ? 600 : 30), at: now)
        }
        #expect(try await store.nextAttempt() == now.addingTimeInterval(30))
        try await store.markDelivered(due[count - 1].id, at: now)
        #expect(try await store.nextAttempt() == now.addingTimeInterval(600))
        try await store.markFailed(due[0].id, error: "404", nextAttemptAt: nil, at: now)
        #expect(try await store.nextAttempt() == now.addingTimeInterval(600), "a dead entry is not pending")
    }

    @Test(arguments: StoreFactory.all)
    func aSettledEntryIsNotMarkedFailedAgain(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let id = try await queueOne("k", into: store)
        try await store.markDelivered(id, at: Fixture.t0.addingTimeInterval(5))
        try await store.markFailed(id, error: "late", nextAttemptAt: nil, at: Fixture.t0.addingTimeInterval(9))
        let entry = try #require(try await store.entry(id))
        #expect(entry.state == .delivered && entry.lastError == nil && entry.attempts == 1)
        #expect(entry.deliveredAt == Fixture.t0.addingTimeInterval(5))
    }

    /// A dead entry's `nextAttemptAt` is when it died: retention counts from then.
    @Test(arguments: StoreFactory.all)
    func aDeadEntryRecordsWhenItDied(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let id = try await queueOne("k", into: store)
        try await store.markFailed(id, error: "503", nextAttemptAt: Fixture.t0.addingTimeInterval(60), at: Fixture.t0)
        let died = Fixture.t0.addingTimeInterval(86_400)
        try await store.markFailed(id, error: "503 again", nextAttemptAt: nil, at: died)
        let entry = try #require(try await store.entry(id))
        #expect(entry.state == .dead && entry.attempts == 2 && entry.lastError == "503 again")
        #expect(entry.nextAttemptAt == died)
        #expect(try await store.retry(id, at: died.addingTimeInterval(10)))
        let retried = try #require(try await store.entry(id))
        #expect(retried.state == .pending && retried.nextAttemptAt == died.addingTimeInterval(10))
    }

    /// Issue 12: an email's recipients are kept address by address; a retry revives the dead
    /// ones and leaves the delivered ones delivered.
    @Test(arguments: StoreFactory.all)
    func recipientsAreKeptAndARetryRevivesTheDeadOnes(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let id = try await queueOne("mail", into: store)
        let outcomes = [
            OutboxRecipient(address: "ops@example.com", state: .delivered),
            OutboxRecipient(address: "busy@example.com", state: .pending, reply: "450 4.2.1 busy"),
            OutboxRecipient(address: "gone@example.com", state: .dead, reply: "550 5.1.1 unknown"),
        ]
        try await store.markFailed(
            id, error: outcomes.summary, nextAttemptAt: Fixture.t0.addingTimeInterval(60), recipients: outcomes, at: Fixture.t0)
        #expect(try await store.entry(id)?.recipients == outcomes)
        // A failure of the message as a whole keeps what each address had.
        try await store.markFailed(id, error: "connection refused", nextAttemptAt: Fixture.t0.addingTimeInterval(120), at: Fixture.t0)
        #expect(try await store.entry(id)?.recipients == outcomes)

        let delivered = outcomes.updated(with: [OutboxRecipient(address: "busy@example.com", state: .delivered)])
        try await store.markDelivered(id, recipients: delivered, at: Fixture.t0.addingTimeInterval(120))
        let entry = try #require(try await store.entry(id))
        #expect(entry.state == .delivered && entry.recipients == delivered && entry.lastError == nil)
        #expect(try await !store.retry(id, at: Fixture.t0), "a delivered entry is not retried")

        let other = try await queueOne("mail2", into: store)
        try await store.markFailed(other, error: "refused", nextAttemptAt: nil, recipients: delivered, at: Fixture.t0)
        #expect(try await store.retry(other, at: Fixture.t0))
        #expect(try await store.entry(other)?.recipients.map(\.state) == [.delivered, .delivered, .pending])
    }

    @Test(arguments: StoreFactory.all)
    func entriesAreListedNewestFirstByState(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue((0..<5).map { Fixture.draft("k\($0)") }, into: store)
        let ids = try await store.due(at: Fixture.t0, limitPerChannel: 10).map(\.id)
        try await store.markFailed(ids[1], error: "404", nextAttemptAt: nil, at: Fixture.t0)
        try await store.markFailed(ids[3], error: "404", nextAttemptAt: nil, at: Fixture.t0)
        #expect(try await store.entries(in: .dead, limit: 10).map(\.id) == [ids[3], ids[1]])
        #expect(try await store.entries(in: .pending, limit: 2).map(\.id) == [ids[4], ids[2]])
        #expect(try await store.entries(in: .delivered, limit: 10).isEmpty)
        #expect(try await store.entries(in: nil, limit: 3).map(\.id) == [ids[4], ids[3], ids[2]])
        #expect(try await store.entry(ids[1])?.draft.idempotencyKey == "k1")
        let unknown = (ids.max() ?? 0) + 100
        #expect(try await store.entry(unknown) == nil)
        #expect(try await !store.retry(unknown, at: Fixture.t0))
        #expect(try await !store.drop(unknown))
    }

    /// A destination gone for good: every pending entry of its channel is dead at once, due or
    /// not, with the error; delivered and dead ones, and other channels' entries, are untouched;
    /// attempts are not counted; a dead entry can still be retried by hand.
    @Test(arguments: StoreFactory.all)
    func aChannelsPendingEntriesAreMarkedDeadAtOnce(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await queue((0..<4).map { Fixture.draft("gone\($0)", channel: "discord") } + [Fixture.draft("kept", channel: "mail")], into: store)
        let ids = try await store.due(at: Fixture.t0, limitPerChannel: 10).filter { $0.draft.channel == "discord" }.map(\.id)
        try await store.markDelivered(ids[0], at: Fixture.t0)
        try await store.markFailed(ids[1], error: "earlier", nextAttemptAt: nil, at: Fixture.t0)
        try await store.markFailed(ids[2], error: "503", nextAttemptAt: Fixture.t0.addingTimeInterval(600), at: Fixture.t0)
        let later = Fixture.t0.addingTimeInterval(60)
        let count = try await store.markPendingDead(channel: "discord", error: "the destination is gone (HTTP 404)", at: later)
        #expect(count == 2, "the one waiting for a retry and the one never tried")
        for id in [ids[2], ids[3]] {
            let entry = try #require(try await store.entry(id))
            #expect(entry.state == .dead && entry.lastError == "the destination is gone (HTTP 404)")
            #expect(entry.nextAttemptAt == later, "retention counts from when it died")
        }
        #expect(try await store.entry(ids[2])?.attempts == 1, "not an attempt")
        #expect(try await store.entry(ids[3])?.attempts == 0, "not an attempt")
        #expect(try await store.entry(ids[0])?.state == .delivered)
        #expect(try await store.entry(ids[1])?.lastError == "earlier")
        #expect(try await store.due(at: later, limitPerChannel: 10).map(\.draft.idempotencyKey) == ["kept"])
        #expect(try await store.markPendingDead(channel: "discord", error: "again", at: later) == 0)
        #expect(try await store.retry(ids[3], at: later), "a webhook put back: retried by hand")
    }
}

extension OutboxConformanceTests {
    /// What a resolve waits for: the channel's pending entry queued first, due or not.
    @Test(arguments: StoreFactory.all)
    func theOldestPendingEntryOfAChannel(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        #expect(try await store.oldestPending(channel: "ops") == nil)
        try await queue([Fixture.draft("a"), Fixture.draft("b"), Fixture.draft("other", channel: "team")], into: store)
        let entries = try await store.entries(in: .pending, limit: 10)
        let a = try #require(entries.first { $0.draft.idempotencyKey == "a" })
        try await store.markFailed(a.id, error: "503", nextAttemptAt: Fixture.t0.addingTimeInterval(600), at: Fixture.t0)
        #expect(try await store.oldestPending(channel: "ops")?.draft.idempotencyKey == "a", "due or not")
        try await store.markDelivered(a.id, at: Fixture.t0)
        #expect(try await store.oldestPending(channel: "ops")?.draft.idempotencyKey == "b")
        #expect(try await store.oldestPending(channel: "team")?.draft.idempotencyKey == "other")
    }
}
