import Foundation
import Testing
@testable import Watch

/// Issue 16, "History", as every store keeps it: the rows a commit records, the outbox entry
/// and delivery log they are read with, the filters, and retention. Run once per
/// ``StoreFactory``.
@Suite struct HistoryConformanceTests {
    static let t0 = Fixture.t0

    /// A commit at `at` recording `rows` (and queuing a draft for each notified key).
    func record(_ rows: [EventDisposition], at: Date = t0, into store: any Store) async throws {
        var commit = Fixture.cycle(at: at)
        commit.dispositions = rows
        commit.notifications = rows.compactMap { row in
            row.disposition.idempotencyKey.map { Fixture.draft($0, channel: row.disposition.channel ?? "ops") }
        }
        try await store.commit(commit)
    }

    func notified(_ post: String, rule: String = "r", channel: String = "ops", key: String, at: Date = t0) -> EventDisposition {
        EventDisposition(event: Fixture.event(post, at: at), rule: rule, disposition: .notified(channel: channel, idempotencyKey: key))
    }

    func held(_ post: String, rule: String = "r", until: Date, channel: String? = nil, at: Date = t0) -> EventDisposition {
        EventDisposition(event: Fixture.event(post, at: at), rule: rule, disposition: .heldByThrottle(until: until), channel: channel)
    }

    func outboxId(_ key: String, in store: any Store) async throws -> Int64 {
        try #require(try await store.entries(in: nil, limit: 100).first { $0.draft.idempotencyKey == key }?.id)
    }

    @Test(arguments: StoreFactory.all)
    func everyDispositionIsReadBackAsWritten(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let until = Self.t0.addingTimeInterval(600)
        var overdue = Fixture.event("p3", at: Self.t0)
        overdue.kind = .overdue
        overdue.overdueSeconds = 1800
        overdue.cycle = 1
        let dispositions: [Disposition] = [
            .notified(channel: "ops", idempotencyKey: "k1"), .heldByThrottle(until: until), .silenced(silenceId: "s-1"),
            .heldByWindow(window: "weekend", until: until), .heldByWindow(window: "night", until: nil),
            .collectedForDigest(at: until), .collectedForDigest(at: nil), .resolved(channel: "pd", idempotencyKey: "k2"),
        ]
        try await record(dispositions.map { EventDisposition(event: overdue, rule: "r", disposition: $0) }, into: store)

        let rows = try await store.history(HistoryQuery())
        #expect(rows.map(\.disposition) == dispositions)
        #expect(rows.map(\.channel) == dispositions.map(\.channel), "a row without a channel of its own has none")
        #expect(rows.allSatisfy { $0.event == HistoryEntry.EventSummary(overdue) && $0.rule == "r" && $0.recordedAt == Self.t0 })
        #expect(rows.map(\.cycleId) == Array(repeating: 1, count: dispositions.count))
        #expect(rows.map { $0.notification != nil } == dispositions.map { $0.idempotencyKey != nil })
        #expect(rows.first?.notification?.state == .pending && rows.first?.notification?.attempts == [])
    }

    @Test(arguments: StoreFactory.all)
    func eachAttemptIsLoggedWithItsAnswerNumberAndOutcome(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let store = opened.store
        try await record([notified("p", key: "retried"), notified("p", channel: "mail", key: "died")], into: store)
        let retried = try await outboxId("retried", in: store)
        let died = try await outboxId("died", in: store)
        let t1 = Self.t0.addingTimeInterval(1)
        try await store.markFailed(
            retried, error: "HTTP 500: boom", nextAttemptAt: t1.addingTimeInterval(5), recipients: nil,
            attempt: DeliveryAttempt(startedAt: t1, duration: .milliseconds(12), answer: "HTTP 500"), at: t1)
        try await store.markDelivered(
            retried, recipients: nil, attempt: DeliveryAttempt(startedAt: t1.addingTimeInterval(5), duration: .milliseconds(8), answer: "HTTP 200"),
            at: t1.addingTimeInterval(5))
        try await store.markFailed(
            died, error: "SMTP 550: no such user", nextAttemptAt: nil, recipients: nil,
            attempt: DeliveryAttempt(startedAt: t1, duration: .milliseconds(3), answer: "SMTP 550"), at: t1)
        // An entry already dead is not attempted: a late mark logs nothing.
        try await store.markFailed(
            died, error: "late", nextAttemptAt: nil, recipients: nil, attempt: DeliveryAttempt(startedAt: t1, duration: .zero), at: t1)

        // Read as a restarted process would.
        let rows = try await opened.reopen().history(HistoryQuery())
        let sent = try #require(rows.first { $0.disposition.channel == "ops" }?.notification)
        #expect(sent.state == .delivered && sent.deliveredAt == t1.addingTimeInterval(5) && sent.nextAttemptAt == nil)
        #expect(sent.attempts == [
            DeliveryAttemptRecord(number: 1, startedAt: t1, duration: .milliseconds(12), outcome: .retry, answer: "HTTP 500", error: "HTTP 500: boom"),
            DeliveryAttemptRecord(
                number: 2, startedAt: t1.addingTimeInterval(5), duration: .milliseconds(8), outcome: .delivered, answer: "HTTP 200", error: nil),
        ])
        let dead = try #require(rows.first { $0.disposition.channel == "mail" }?.notification)
        #expect(dead.state == .dead && dead.lastError == "SMTP 550: no such user")
        #expect(dead.attempts.map(\.outcome) == [.dead] && dead.attempts.map(\.answer) == ["SMTP 550"])
    }

    @Test(arguments: StoreFactory.all)
    func filtersSelectAndTheNewestRowsComeOldestFirst(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let t1 = Self.t0.addingTimeInterval(3600)
        try await record([notified("a", rule: "r1", key: "k1"), held("b", rule: "r2", until: t1, channel: "ops")], into: store)
        try await record(
            [notified("a", rule: "r2", channel: "mail", key: "k2", at: t1), notified("b", rule: "r2", key: "k3", at: t1)],
            at: t1, into: store)

        func keys(_ query: HistoryQuery) async throws -> [String] {
            try await store.history(query).map { "\($0.event.postId)/\($0.rule)/\($0.disposition.kind)" }
        }
        #expect(try await keys(HistoryQuery()) == ["a/r1/notified", "b/r2/held-by-throttle", "a/r2/notified", "b/r2/notified"])
        #expect(try await keys(HistoryQuery(postId: "a")) == ["a/r1/notified", "a/r2/notified"])
        #expect(try await keys(HistoryQuery(rule: "r2")) == ["b/r2/held-by-throttle", "a/r2/notified", "b/r2/notified"])
        #expect(try await keys(HistoryQuery(channel: "ops")) == ["a/r1/notified", "b/r2/held-by-throttle", "b/r2/notified"], "held from ops too")
        #expect(try await store.history(HistoryQuery(rule: "r2")).map(\.channel) == ["ops", "mail", "ops"])
        #expect(try await keys(HistoryQuery(since: t1)) == ["a/r2/notified", "b/r2/notified"])
        #expect(try await keys(HistoryQuery(postId: "b", rule: "r2", channel: "ops")) == ["b/r2/held-by-throttle", "b/r2/notified"])
        #expect(try await keys(HistoryQuery(limit: 2)) == ["a/r2/notified", "b/r2/notified"], "the newest two, oldest first")
        #expect(try await keys(HistoryQuery(postId: "nobody")) == [])
    }

    /// A notification dropped from the outbox leaves its rows, without a notification, and
    /// takes its delivery log with it.
    @Test(arguments: StoreFactory.all)
    func aDroppedNotificationLeavesTheRowWithoutItsLog(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        try await record([notified("p", key: "k")], into: store)
        let id = try await outboxId("k", in: store)
        try await store.markFailed(
            id, error: "HTTP 503", nextAttemptAt: Self.t0.addingTimeInterval(9), recipients: nil,
            attempt: DeliveryAttempt(startedAt: Self.t0, duration: .zero, answer: "HTTP 503"), at: Self.t0)
        #expect(try await store.drop(id))
        let rows = try await store.history(HistoryQuery())
        #expect(rows.count == 1 && rows[0].notification == nil)
    }

    /// Retention: rows and attempts older than the cutoff go, newer ones and the outbox's
    /// pending entries stay; a row exactly as old as the cutoff stays.
    @Test(arguments: StoreFactory.all)
    func historyAndAttemptsArePrunedWithTheRetention(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let old = Self.t0.addingTimeInterval(-40 * 86_400)
        let cutoff = Self.t0.addingTimeInterval(-30 * 86_400)
        try await record([notified("old", key: "old"), held("old", until: old)], at: old, into: store)
        try await record([notified("edge", key: "edge")], at: cutoff, into: store)
        try await record([notified("new", key: "new")], at: Self.t0, into: store)
        for (key, at) in [("old", old), ("edge", cutoff), ("new", Self.t0)] {
            let id = try await outboxId(key, in: store)
            try await store.markFailed(
                id, error: "HTTP 500", nextAttemptAt: at.addingTimeInterval(1), recipients: nil,
                attempt: DeliveryAttempt(startedAt: at, duration: .zero, answer: "HTTP 500"), at: at)
        }

        let report = try await store.prune(before: cutoff, batchSize: 1, maxBatches: 10)

        #expect(report.history == 3, "two rows and one attempt")
        #expect(!report.incomplete)
        let rows = try await store.history(HistoryQuery())
        #expect(rows.map(\.event.postId) == ["edge", "new"])
        #expect(rows.map { $0.notification?.attempts.count } == [1, 1])
        // The old notification is still pending (owed): the outbox keeps it, the history does not.
        #expect(try await store.entries(in: .pending, limit: 10).count == 3)
    }
}
