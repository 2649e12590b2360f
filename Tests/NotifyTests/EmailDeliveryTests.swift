import Curl
import Foundation
import Testing
import TestSupport
import Rules
import Watch

@testable import Notify

/// The email channel against a real SMTP server (aiosmtpd) in each of its modes.
@Suite struct EmailDeliveryTests {
    static let hostileCaption = "caption\r\nBcc: victim@example.com\r\n.\r\nRCPT TO:<evil@example.com>"

    static func document(caption: String = "Check out this amazing content! #viral") throws -> NotificationDocument {
        // Built in code: a rule file cannot spell the line break this name smuggles in.
        let rule = Rule(
            name: "Failed posts\r\nBcc: victim@example.com", severity: .critical, triggers: [.transition(from: nil, to: "failed")],
            channels: ["oncall"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["oncall": .email])
        let routing = router.route([Fixtures.event("p1", caption: caption)], at: Fixtures.t0, throttle: [:])
        return try NotificationDocument.decode(try #require(routing.notifications.first).payload)
    }

    static func channel(_ server: SMTPServer, host: String = "127.0.0.1", tls: MailRequest.TLS = .required,
                        user: String? = nil, password: String? = nil, trust: Bool = true) throws -> EmailChannel {
        let smtp = SMTPConfiguration(
            url: server.url(host: host), tls: tls, username: user, password: password, from: try EmailAddress("alerts@example.com"))
        let transport = CurlTransport(configuration: .init(caFile: trust ? server.caFile : nil))
        return try EmailChannel(name: "oncall", addresses: ["oncall@example.com", "ops@example.com"], smtp: smtp, transport: transport)
    }

    /// The header section of a received message, unfolded.
    static func headers(_ message: SMTPServer.Message) -> [String] {
        let head = message.text.components(separatedBy: "\r\n\r\n").first ?? ""
        return head.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
    }

    @Test func plainSMTPWhenAskedForArrivesWellFormed() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let document = try Self.document(caption: Self.hostileCaption)
        try await Self.channel(server, tls: .none).send(document)
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.from == "alerts@example.com")
        #expect(received.recipients == ["oncall@example.com", "ops@example.com"])
        let headers = Self.headers(received)
        #expect(headers.contains { $0.hasPrefix("Message-ID: <") && $0.hasSuffix(".postwatch@example.com>") })
        #expect(headers.contains("X-Postwatch-Idempotency-Key: \(document.idempotencyKey)"))
        #expect(headers.contains("MIME-Version: 1.0"))
        #expect(headers.contains { $0.hasPrefix("Date: Sun, ") || $0.hasPrefix("Date: ") && $0.hasSuffix(" +0000") })
        #expect(headers.contains { $0.hasPrefix("Subject: ") })
        // Neither the rule name nor the caption added a header or a recipient.
        #expect(!headers.contains { $0.hasPrefix("Bcc") })
        #expect(!received.text.contains("\r\nBcc:"))
        #expect(!received.text.contains("\r\nRCPT TO"))
        #expect(!received.data.isEmpty)
    }

    @Test func startTLSTrustedThroughTheCAFile() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS))
        defer { server.stop() }
        try await Self.channel(server, host: "localhost").send(try Self.document())
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.tls)
    }

    @Test func implicitTLS() async throws {
        let server = try await SMTPServer.start(.init(tls: .implicitTLS))
        defer { server.stop() }
        try await Self.channel(server, host: "localhost").send(try Self.document())
        #expect(try #require(try await server.waitForMessages(count: 1).first).tls)
    }

    @Test func authenticatedOverSTARTTLS() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret pass")))
        defer { server.stop() }
        try await Self.channel(server, host: "localhost", user: "alice", password: "s3cret pass").send(try Self.document())
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.authenticatedAs == "alice" && received.tls)
    }

    @Test func startTLSRequiredButNotOfferedSendsNothingInPlaintext() async throws {
        let server = try await SMTPServer.start(.init(tls: .none))
        defer { server.stop() }
        let channel = try Self.channel(server)
        let document = try Self.document()
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("sent without TLS")
        } catch {
            #expect(!error.isPermanent)
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.messages.isEmpty)
    }

    @Test func aWrongPasswordNeverReachesALogLine() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "right")))
        defer { server.stop() }
        let password = "Wrong-SMTP-Passw0rd"
        let channel = try Self.channel(server, host: "localhost", user: "alice", password: password)
        let outbox = MemoryOutbox()
        let document = try Self.document()
        let id = await outbox.add(OutboxDraft(idempotencyKey: document.idempotencyKey, channel: "oncall", rule: "r", payload: try document.encoded()), at: Fixtures.t0)
        let logs = CapturedLogs()
        let delivery = Delivery(outbox: outbox, channels: [channel], clock: ManualClock(Fixtures.t0), logger: logs.logger())
        #expect(await delivery.deliverDue(now: Fixtures.t0).retrying == 1)
        #expect(!logs.all.isEmpty)
        for line in logs.all { #expect(!line.contains(password)) }
        #expect(try #require(await outbox.entry(id)).lastError?.contains(password) == false)
        #expect(server.messages.isEmpty)
    }

    /// Issue 12, defect 3: a message refused after DATA with 554 was retried for 24 hours; a 5xx
    /// there is final (RFC 5321) and a 4xx is not, and the failure carries the server's words.
    @Test(arguments: [("spamtrap@example.com", true, "554 5.7.1 Message refused as spam"), ("greylisted@example.com", false, "451 4.7.1")])
    func messageRefusedAfterData(address: String, permanent: Bool, words: String) async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let smtp = SMTPConfiguration(url: server.url, tls: .none, from: try EmailAddress("alerts@example.com"))
        let channel = try EmailChannel(name: "oncall", addresses: [address], smtp: smtp, transport: CurlTransport())
        let document = try Self.document()
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("the refused message counted as sent")
        } catch {
            #expect(error.isPermanent == permanent)
            #expect(error.message.contains(words), "\(error.message)")
        }
        #expect(server.messages.isEmpty)
    }

    @Test func anAddressWithALineBreakNeverReachesTheServer() throws {
        let smtp = SMTPConfiguration(url: "smtp://127.0.0.1:25", from: try EmailAddress("alerts@example.com"))
        #expect(throws: NotifyError.self) {
            try EmailChannel(name: "x", addresses: ["ops@example.com\r\nRCPT TO:<evil@example.com>"], smtp: smtp, transport: CurlTransport())
        }
        #expect(throws: NotifyError.self) { try EmailAddress("alerts@example.com\r\nDATA") }
    }
}
