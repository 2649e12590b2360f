import Foundation
import GRDB
import Infinipost
import Sandbox
import Testing
@testable import Watch

/// Issue 11, "Retention", in SQLite's own terms: random histories written straight into the
/// tables, and the statements' use of the retention indexes. What every store does is in
/// `PruneConformanceTests`.
@Suite struct RetentionTests {
    let path = Fixture.tempPath()
    static let now = Fixture.t0
    /// Ages are whole hours up to twice this, so some rows are exactly as old as the cutoff.
    static let retentionHours = 72
    static var cutoff: Date { now.addingTimeInterval(-Double(retentionHours) * 3600) }

    /// A random history, as rows written straight into the tables (ids as SQLite gave them).
    struct History {
        struct Cycle { var id: Int64, startedAt: Double, result: String }
        struct Entry { var id: Int64, state: String, nextAttemptAt: Double, deliveredAt: Double? }
        var cycles: [Cycle] = []
        var events: [(id: Int64, detectedAt: Double)] = []
        var outbox: [Entry] = []

        /// What should remain after pruning before `cutoff`, computed in Swift from the rules
        /// of the issue, not from the store's SQL.
        func kept(before cutoff: Date) -> (cycles: Set<Int64>, events: Set<Int64>, outbox: Set<Int64>) {
            let time = cutoff.timeIntervalSince1970
            let newest = cycles.map(\.id).max()
            let newestComplete = cycles.filter { $0.result != "failed" }.map(\.id).max()
            return (
                Set(cycles.filter { $0.startedAt >= time || $0.id == newest || $0.id == newestComplete }.map(\.id)),
                Set(events.filter { $0.detectedAt >= time }.map(\.id)),
                Set(outbox.filter { entry in
                    switch entry.state {
                    case "delivered": entry.deliveredAt.map { $0 >= time } ?? true
                    case "dead": entry.nextAttemptAt >= time
                    default: true
                    }
                }.map(\.id)))
        }
    }

    static func hoursAgo(_ hours: Int) -> Double {
        now.timeIntervalSince1970 - Double(hours) * 3600
    }

    /// Writes `cycles`, `events` and `outbox` rows of random ages (and results, states) into `store`.
    func generate(into store: SQLiteStore, seed: UInt64, cycles: Int, events: Int, outbox: Int) async throws -> History {
        var random = SeededRandom(seed: seed)
        var drawn: [Int] = []
        for _ in 0..<(cycles + events + 3 * outbox) {
            // One in twenty exactly as old as the cutoff: where `<` and `<=` part.
            drawn.append(random.chance(0.05) ? Self.retentionHours : Int.random(in: 0...(2 * Self.retentionHours), using: &random))
        }
        let results = (0..<cycles).map { _ in ["complete", "complete", "baseline", "failed"].randomElement(using: &random)! }
        let states = (0..<outbox).map { _ in ["pending", "delivered", "dead"].randomElement(using: &random)! }
        let ages = drawn
        return try await store.writer.write { db in
            var ages = ages.makeIterator()
            var history = History()
            for index in 0..<cycles {
                let startedAt = Self.hoursAgo(ages.next()!)
                try db.execute(
                    sql: """
                        INSERT INTO cycles (startedAt, endedAt, result, posts, events, notifications, listings, rowsWritten)
                        VALUES (?, ?, ?, 0, 0, 0, 0, 0)
                        """, arguments: [startedAt, startedAt, results[index]])
                history.cycles.append(.init(id: db.lastInsertedRowID, startedAt: startedAt, result: results[index]))
            }
            let cycleIds = history.cycles.map(\.id)
            for index in 0..<events {
                let detectedAt = Self.hoursAgo(ages.next()!)
                let id = try Self.insertEvent(db, postId: "post_\(index)", cycleId: cycleIds[index % cycleIds.count], detectedAt: detectedAt)
                history.events.append((id, detectedAt))
            }
            for (index, state) in states.enumerated() {
                // Each time drawn apart: pruning delivered entries by `nextAttemptAt` or by
                // `createdAt` would keep or drop other rows than by `deliveredAt`.
                let createdAt = Self.hoursAgo(ages.next()!)
                let nextAttemptAt = Self.hoursAgo(ages.next()!)
                let deliveredAt = state == "delivered" ? Self.hoursAgo(ages.next()!) : nil
                if state != "delivered" { _ = ages.next() }
                try db.execute(
                    sql: """
                        INSERT INTO outbox (idempotencyKey, channel, rule, payload, state, attempts, createdAt,
                                            nextAttemptAt, deliveredAt)
                        VALUES (?, 'ops', 'r', x'7B7D', ?, 1, ?, ?, ?)
                        """, arguments: ["key_\(index)", state, createdAt, nextAttemptAt, deliveredAt])
                history.outbox.append(.init(id: db.lastInsertedRowID, state: state, nextAttemptAt: nextAttemptAt, deliveredAt: deliveredAt))
            }
            return history
        }
    }

    /// An event row (the post's JSON is a stand-in: pruning never reads it); returns its id.
    static func insertEvent(_ db: Database, postId: String, cycleId: Int64, detectedAt: Double) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO events (cycleId, kind, fromStatus, toStatus, postId, detectedAt, post)
                VALUES (?, 'transition', 'generated', 'failed', ?, ?, x'7B7D')
                """, arguments: [cycleId, postId, detectedAt])
        return db.lastInsertedRowID
    }

    func ids(_ table: String, in store: SQLiteStore) async throws -> Set<Int64> {
        Set(try await store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM \(table)") })
    }

    func count(_ table: String, in store: SQLiteStore) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// The current state a cycle reads: one post with a miss, a marker, a throttle row.
    func writeCurrentState(_ store: SQLiteStore) async throws {
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO misses (postId, count) VALUES ('post_old', 1)")
            try db.execute(sql: "INSERT INTO overdue (postId, seconds, emittedAt) VALUES ('post_old', 60, 0)")
            try db.execute(sql: "INSERT INTO throttle (rule, groupKey, state) VALUES ('r', '', x'7B7D')")
        }
    }

    @Test(arguments: [1, 2, 3, 42] as [UInt64])
    func pruneRemovesExactlyWhatIsOlderThanTheRetention(seed: UInt64) async throws {
        let store = try SQLiteStore(path: path)
        let history = try await generate(into: store, seed: seed, cycles: 400, events: 1_500, outbox: 1_200)
        try await writeCurrentState(store)
        let expected = history.kept(before: Self.cutoff)
        // The generated history has what the rules turn on, or the test would prove little:
        // rows exactly at the cutoff (kept: older means strictly older) and old pending entries.
        let cutoff = Self.cutoff.timeIntervalSince1970
        #expect(history.events.contains { $0.detectedAt == cutoff })
        #expect(history.cycles.contains { $0.startedAt == cutoff })
        #expect(history.outbox.contains { $0.state == "delivered" && $0.deliveredAt == cutoff })
        #expect(history.outbox.contains { $0.state == "dead" && $0.nextAttemptAt == cutoff })
        #expect(history.outbox.contains { $0.state == "pending" && $0.nextAttemptAt < cutoff })

        let report = try await store.prune(before: Self.cutoff, batchSize: 37, maxBatches: 1_000)

        #expect(try await ids("cycles", in: store) == expected.cycles)
        #expect(try await ids("events", in: store) == expected.events)
        #expect(try await ids("outbox", in: store) == expected.outbox)
        #expect(report == PruneReport(
            cycles: history.cycles.count - expected.cycles.count, events: history.events.count - expected.events.count,
            outbox: history.outbox.count - expected.outbox.count))
        for table in ["misses", "overdue", "throttle"] {
            #expect(try await count(table, in: store) == 1, "\(table) is state, not history")
        }
        // Nothing is left to prune at the same cutoff.
        #expect(try await store.prune(before: Self.cutoff, batchSize: 37, maxBatches: 1_000) == PruneReport())
    }

    /// The prune statements find their rows through an index, not by reading every event.
    @Test func pruneStatementsUseTheRetentionIndexes() async throws {
        let store = try SQLiteStore(path: path)
        let plans = try await store.read { db in
            try SQLiteStore.pruneTargets.map { target in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + target.sql, arguments: [0, 500])
                    .map { $0["detail"] as String }.joined(separator: "; ")
            }
        }
        let indexes = ["cycles_started_at", "events_detected_at", "silenced_events_detected_at", "outbox_delivered_at", "outbox_due"]
        for (plan, index) in zip(plans, indexes) {
            #expect(plan.contains("INDEX \(index) "), "\(plan)")
            // The newest complete cycle is found by reading cycles backwards from the newest:
            // that scan stops at the first complete one.
            #expect(!plan.contains("SCAN events") && !plan.contains("SCAN outbox") && !plan.contains("SCAN silenced_events"), "\(plan)")
        }
    }
}
