import Curl
import Foundation
import Testing
import TestSupport
import Watch

@testable import Notify

/// Issue 12: the server's answer per recipient and per message decides who gets the mail, who
/// waits and who is given up on, against a real SMTP server and the real SQLite outbox.
@Suite struct EmailRecipientsTests {
    static func channel(_ server: SMTPServer, addresses: [String]) throws -> EmailChannel {
        let smtp = SMTPConfiguration(url: server.url, tls: .none, from: try EmailAddress("alerts@example.com"))
        return try EmailChannel(name: "oncall", addresses: addresses, smtp: smtp, transport: CurlTransport())
    }

    static func store() throws -> (SQLiteStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path), directory)
    }

    /// Defect 2: one refused address (550) used to cost all three their mail, a deferred one
    /// (450) made all three wait. The accepted one gets it at once, the deferred one on the
    /// retry (and nobody twice), the refused one is dead, and the entry says so per address.
    @Test func oneRefusedRecipientDoesNotStopTheOthers() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let channel = try Self.channel(server, addresses: ["ops@example.com", "busy@example.com", "rejected@example.com"])
        let document = try EmailDeliveryTests.document()
        let now = Fixtures.t0
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete))
        commit.notifications = [OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "oncall", rule: "r", payload: try document.encoded())]
        try await store.commit(commit)
        let id = try #require(try await store.entries(in: nil, limit: 1).first?.id)
        let delivery = Delivery(outbox: store, channels: [channel], clock: ManualClock(now), random: { 0 })

        let first = await delivery.deliverDue(now: now)
        #expect(first.retrying == 1)
        let delivered = try await server.waitForMessages(count: 1)
        #expect(delivered.map(\.recipients) == [["ops@example.com"]])
        let waiting = try #require(try await store.entry(id))
        #expect(waiting.state == .pending)
        #expect(waiting.recipients.map(\.state) == [.delivered, .pending, .dead])
        #expect(waiting.recipients[1].reply?.hasPrefix("450 4.2.1") == true)
        #expect(waiting.recipients[2].reply?.hasPrefix("550 5.1.1") == true)
        #expect(waiting.lastError?.contains("delivered to 1 of 3") == true)

        // The retry goes to the deferred address alone; the refused one stays given up on.
        _ = await delivery.drain(until: now.addingTimeInterval(3600))
        let all = try await server.waitForMessages(count: 2)
        #expect(all.map(\.recipients) == [["ops@example.com"], ["busy@example.com"]])
        let done = try #require(try await store.entry(id))
        #expect(done.state == .dead)
        #expect(done.recipients.map(\.state) == [.delivered, .delivered, .dead])
        #expect(done.lastError?.contains("rejected@example.com: 550") == true)

        // `outbox retry` tries the refused address again, and only it.
        #expect(try await store.retry(id, at: now))
        let retried = try #require(try await store.entry(id))
        #expect(retried.state == .pending)
        #expect(retried.recipients.map(\.address) == ["ops@example.com", "busy@example.com", "rejected@example.com"])
        #expect(retried.recipients.map(\.state) == [.delivered, .delivered, .pending])
    }

    /// Everyone refused, one for now and one for good: the deferred one waits, the other is dead.
    @Test func everyRecipientRefusedKeepsEachOnesFate() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let channel = try Self.channel(server, addresses: ["busy@example.com", "rejected@example.com"])
        let document = try EmailDeliveryTests.document()
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("sent although every recipient was refused")
        } catch {
            #expect(!error.isPermanent)
            #expect(error.recipients.map(\.state) == [.pending, .dead])
        }
        #expect(server.messages.isEmpty)
    }
}
