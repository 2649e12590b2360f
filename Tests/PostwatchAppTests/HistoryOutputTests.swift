import Foundation
import Infinipost
import Testing
import Watch

@testable import PostwatchApp

/// `postwatch history`'s query parsing (shared with `GET /api/v1/history`), its text and its
/// JSON document, from rows made here (the rows themselves: HistoryConformanceTests).
@Suite struct HistoryOutputTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    @Test func parametersAreCheckedTheSameForTheCommandLineAndTheAPI() throws {
        let query = try HistoryQuery(
            parameters: ["post": "p1", "rule": "Failed", "channel": "ops", "since": "24h", "limit": "5"], now: Self.t0)
        #expect(query == HistoryQuery(postId: "p1", rule: "Failed", channel: "ops", since: Self.t0.addingTimeInterval(-86_400), limit: 5))
        #expect(try HistoryQuery(parameters: [:], now: Self.t0) == HistoryQuery(limit: 100))

        func message(_ parameters: [String: String], api: Bool = false) -> String? {
            do {
                _ = try HistoryQuery(parameters: parameters, now: Self.t0, option: api ? { $0 } : { "--\($0)" })
                return nil
            } catch {
                #expect(error.status == .configuration)
                return error.message
            }
        }
        #expect(message(["since": "soon"]) == "--since 'soon' is not a duration like 90s, 15m, 2h, 1d or 1h30m")
        #expect(message(["since": "soon"], api: true) == "since 'soon' is not a duration like 90s, 15m, 2h, 1d or 1h30m")
        #expect(message(["limit": "0"]) == "--limit must be a whole number from 1 to 10000, not '0'")
        #expect(message(["limit": "many"], api: true) == "limit must be a whole number from 1 to 10000, not 'many'")
        #expect(message(["post": " "]) == "--post needs a value")
        #expect(message(["token": "x"], api: true) == "unknown history filter token (known: channel, limit, post, rule, since)")
    }

    static func entry(
        _ disposition: Disposition, id: Int64 = 1, notification: HistoryEntry.Notification? = nil,
        kind: Event.Kind = .transition, channel: String? = nil
    ) -> HistoryEntry {
        HistoryEntry(
            id: id, cycleId: 7, recordedAt: t0, rule: "Failed posts",
            event: HistoryEntry.EventSummary(
                kind: kind, postId: "post_1", from: "pending_render", to: kind == .overdue ? "generated" : "failed",
                overdueSeconds: kind == .overdue ? 1800 : nil, detectedAt: t0, cycle: 7),
            disposition: disposition, channel: channel, notification: notification)
    }

    static func attempt(_ number: Int, _ seconds: TimeInterval, _ answer: String?, _ outcome: DeliveryAttemptRecord.Outcome, _ error: String? = nil)
        -> DeliveryAttemptRecord
    {
        DeliveryAttemptRecord(
            number: number, startedAt: t0.addingTimeInterval(seconds), duration: .milliseconds(12), outcome: outcome, answer: answer,
            error: error)
    }

    @Test func theTextSaysWhatBecameOfEachEvent() {
        let retried = HistoryEntry.Notification(
            outboxId: 3, state: .delivered, deliveredAt: Self.t0.addingTimeInterval(3), nextAttemptAt: nil, lastError: nil,
            attempts: [Self.attempt(1, 1, "HTTP 500", .retry, "HTTP 500: down"), Self.attempt(2, 3, "HTTP 200", .delivered)])
        let waiting = HistoryEntry.Notification(
            outboxId: 4, state: .pending, deliveredAt: nil, nextAttemptAt: Self.t0.addingTimeInterval(9), lastError: "HTTP 503",
            attempts: [Self.attempt(1, 1, "HTTP 503", .retry, "HTTP 503")])
        let dead = HistoryEntry.Notification(
            outboxId: 5, state: .dead, deliveredAt: nil, nextAttemptAt: nil, lastError: "SMTP 550: no such user",
            attempts: [Self.attempt(1, 1, "SMTP 550", .dead, "SMTP 550: no such user")])
        let tomorrow = Self.t0.addingTimeInterval(86_400 + 600)
        let cases: [(HistoryEntry, String)] = [
            (Self.entry(.notified(channel: "ops", idempotencyKey: "k"), notification: retried), "sent to ops at 08:00:03 (HTTP 200, attempt 2)"),
            (Self.entry(.notified(channel: "ops", idempotencyKey: "k"), notification: waiting),
             "queued for ops: attempt 1 failed (HTTP 503), next try at 08:00:09"),
            (Self.entry(.notified(channel: "mail", idempotencyKey: "k"), notification: dead),
             "not delivered to mail, given up after 1 attempt: SMTP 550: no such user"),
            (Self.entry(.notified(channel: "ops", idempotencyKey: "k")), "queued for ops (no longer in the outbox)"),
            (Self.entry(.resolved(channel: "pd", idempotencyKey: "k"), notification: retried), "resolve sent to pd at 08:00:03 (HTTP 200, attempt 2)"),
            (Self.entry(.heldByThrottle(until: Self.t0.addingTimeInterval(600))), "held by throttle until 08:10:00"),
            (Self.entry(.heldByThrottle(until: tomorrow)), "held by throttle until 2027-01-16 08:10:00Z"),
            (Self.entry(.heldByThrottle(until: Self.t0), channel: "ops"), "held by throttle until 08:00:00 (for ops)"),
            (Self.entry(.heldByWindow(window: "night", until: Self.t0), channel: "ops"), "held by window \"night\" until 08:00:00 (for ops)"),
            (Self.entry(.silenced(silenceId: "s-1")), "silenced by silence s-1"),
            (Self.entry(.heldByWindow(window: "weekend", until: nil)), "held by window \"weekend\""),
            (Self.entry(.collectedForDigest(at: Self.t0.addingTimeInterval(3600))), "collected for the digest due at 09:00:00"),
        ]
        for (entry, expected) in cases {
            let lines = HistoryText(entries: [entry]).rendered().split(separator: "\n").map(String.init)
            #expect(lines.first == "2027-01-15 08:00:00Z  Failed posts  post_1  pending_render → failed")
            #expect(lines.dropFirst().first == "  " + expected)
            #expect(lines.count == 2 + (entry.notification?.attempts.count ?? 0))
        }
        let attempts = HistoryText(entries: [Self.entry(.notified(channel: "ops", idempotencyKey: "k"), notification: retried)]).rendered()
        #expect(attempts.hasSuffix("""
                attempt 1  08:00:01  HTTP 500  retry      12 ms  HTTP 500: down
                attempt 2  08:00:03  HTTP 200  delivered  12 ms

            """))
        let unanswered = HistoryEntry.Notification(
            outboxId: 6, state: .pending, deliveredAt: nil, nextAttemptAt: nil, lastError: "timed out",
            attempts: [Self.attempt(1, 1, nil, .retry, "timed out")])
        #expect(HistoryText(entries: [Self.entry(.notified(channel: "ops", idempotencyKey: "k"), notification: unanswered)]).rendered()
            .hasSuffix("\n    attempt 1  08:00:01  -         retry      12 ms  timed out\n"))
        let overdue = HistoryText(entries: [Self.entry(.heldByThrottle(until: Self.t0), kind: .overdue)]).rendered()
        #expect(overdue.hasPrefix("2027-01-15 08:00:00Z  Failed posts  post_1  overdue 30m (generated)\n"), "\(overdue)")
        #expect(HistoryText(entries: []).rendered() == "No history matches.\n")
    }

    @Test func theJSONDocumentHasItsDocumentedShape() throws {
        let notification = HistoryEntry.Notification(
            outboxId: 3, state: .delivered, deliveredAt: Self.t0.addingTimeInterval(3), nextAttemptAt: nil, lastError: nil,
            attempts: [Self.attempt(1, 1, "HTTP 500", .retry, "HTTP 500: down"), Self.attempt(2, 3, "HTTP 200", .delivered)])
        let document = HistoryDocument(entries: [
            Self.entry(.notified(channel: "ops", idempotencyKey: "k1"), notification: notification),
            Self.entry(.heldByThrottle(until: Self.t0.addingTimeInterval(600)), id: 2, channel: "ops"),
        ]).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(Set(entries[0].keys) == ["id", "cycle", "recordedAt", "rule", "event", "disposition", "notification"])
        #expect(entries[0]["recordedAt"] as? String == "2027-01-15T08:00:00Z")
        #expect(entries[0]["disposition"] as? [String: String] == ["kind": "notified", "channel": "ops", "idempotencyKey": "k1"])
        let event = try #require(entries[0]["event"] as? [String: Any])
        #expect(Set(event.keys) == ["kind", "postId", "from", "to", "detectedAt", "cycle"])
        let sent = try #require(entries[0]["notification"] as? [String: Any])
        #expect(Set(sent.keys) == ["outboxId", "state", "deliveredAt", "attempts"])
        let attempts = try #require(sent["attempts"] as? [[String: Any]])
        #expect(Set(attempts[0].keys) == ["number", "startedAt", "durationMs", "outcome", "answer", "error"])
        #expect(attempts.map { $0["durationMs"] as? Int } == [12, 12])
        #expect(entries[1]["disposition"] as? [String: String] == ["kind": "held-by-throttle", "until": "2027-01-15T08:10:00Z", "channel": "ops"])
        #expect(entries[1]["notification"] == nil)
    }
}

/// ``History/json(parameters:)``, what the daemon's `GET /api/v1/history` answers, on a real
/// state file: the rows a cycle committed, and a bad parameter named as the URL spells it.
@Suite struct HistoryJSONTests {
    @Test func theAPIDocumentComesFromTheStoreWithTheQueryParameters() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        let now = Date()
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        for id in ["p1", "p2"] {
            let post = Post(
                postId: id, accountId: "acc_1", platform: .tiktok, contentType: .video, contentUrl: .single("https://example.com/\(id).mp4"),
                caption: "", timezone: "UTC", scheduledTime: now, status: .failed, createdAt: now)
            let event = Event(kind: .transition, from: "pending_render", to: "failed", post: post, detectedAt: now, cycle: 1)
            commit.events.append(event)
            commit.notifications.append(OutboxDraft(idempotencyKey: "key-\(id)", channel: "ops", rule: "Failed", payload: Data("{}".utf8)))
            commit.dispositions.append(
                EventDisposition(event: event, rule: "Failed", disposition: .notified(channel: "ops", idempotencyKey: "key-\(id)")))
        }
        try await store.commit(commit)
        let history = History(store: store)

        let document = try await history.json(parameters: ["post": "p2", "since": "1h"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.compactMap { ($0["event"] as? [String: Any])?["postId"] as? String } == ["p2"])
        #expect((entries.first?["notification"] as? [String: Any])?["state"] as? String == "pending")
        #expect(document + "\n" == (try await history.rendered(parameters: ["post": "p2", "since": "1h"], output: .json)))

        await #expect(throws: CommandError.self) { try await history.json(parameters: ["since": "soon"]) }
        do {
            _ = try await history.json(parameters: ["limit": "-1"])
            Issue.record("a negative limit was taken")
        } catch {
            #expect(error.message == "limit must be a whole number from 1 to 10000, not '-1'")
        }
    }
}
