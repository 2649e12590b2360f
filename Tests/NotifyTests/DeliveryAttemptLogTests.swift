import Curl
import Foundation
import Testing
import TestSupport
import Watch

@testable import Notify

/// Each delivery attempt goes to the outbox with the peer's own answer (the history's "with
/// which answer"), read by the transport whatever the channel: SMTP and HTTP, taken or refused,
/// and no answer at all when nothing answered.
@Suite struct DeliveryAttemptLogTests {
    /// Delivers `document` once through `channel` from a fresh outbox; returns the attempts logged.
    func attempts(of document: NotificationDocument, through channel: any Channel) async throws -> [DeliveryAttempt] {
        let outbox = MemoryOutbox()
        let id = try await outbox.add(document, at: Fixtures.t0)
        let clock = ManualClock(Fixtures.t0)
        _ = await Delivery(outbox: outbox, channels: [channel], clock: clock, logger: CapturedLogs().logger()).deliverDue(now: Fixtures.t0)
        let logged = await outbox.attempts[id] ?? []
        #expect(logged.allSatisfy { $0.startedAt == Fixtures.t0 && $0.duration >= .zero })
        return logged
    }

    @Test func anEmailAttemptKeepsTheServersReply() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let document = try EmailDeliveryTests.document()
        let smtp = SMTPConfiguration(url: server.url, tls: .none, from: try EmailAddress("alerts@example.com"))
        let taken = try EmailChannel(name: "oncall", addresses: ["ops@example.com"], smtp: smtp, transport: CurlTransport())
        #expect(try await attempts(of: document, through: taken).map(\.answer) == ["SMTP 250"])
        let refused = try EmailChannel(name: "oncall", addresses: ["spamtrap@example.com"], smtp: smtp, transport: CurlTransport())
        #expect(try await attempts(of: document, through: refused).map(\.answer) == ["SMTP 554"])
    }

    @Test func anHTTPAttemptKeepsTheStatusAndNothingWhenNobodyAnswered() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.serverError())
        let document = try EmailDeliveryTests.document()
        let transport = CurlTransport()
        let hook = WebhookChannel(name: "oncall", url: receiver.url("/hook"), secret: nil, transport: transport)
        #expect(try await attempts(of: document, through: hook).map(\.answer) == ["HTTP 500"])
        #expect(try await attempts(of: document, through: hook).map(\.answer) == ["HTTP 200"])
        receiver.stop()  // nothing listens there any more: no answer
        let closed = WebhookChannel(name: "oncall", url: receiver.url("/hook"), secret: nil, transport: transport)
        #expect(try await attempts(of: document, through: closed).map(\.answer) == [nil])
    }
}
