import Curl
import Foundation
import Testing
import TestSupport

/// The transport's SMTP against a real aiosmtpd server in each of its modes.
@Suite struct MailTransportTests {
    /// A message with CRLF line ends and lines starting with "." (libcurl must dot-stuff them).
    static let message = Data([
        "From: postwatch <alerts@example.com>",
        "To: ops@example.com",
        "Subject: Post failed",
        "",
        "A post failed.",
        ".a line starting with a dot",
        "..two dots",
        ".",
        "end",
        "",
    ].joined(separator: "\r\n").utf8)

    static func mail(_ url: String, tls: MailRequest.TLS = .required, username: String? = nil, password: String? = nil,
                     from: String = "alerts@example.com", to recipients: [String] = ["ops@example.com", "dev@example.com"]) -> MailRequest {
        MailRequest(url: url, tls: tls, username: username, password: password, from: from, recipients: recipients,
                    message: message, connectTimeout: .seconds(5), totalTimeout: .seconds(20))
    }

    @Test func plainSendArrivesIntact() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let response = try await CurlTransport().send(Self.mail(server.url, tls: .none))
        #expect(response.replyCode == 250)
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.from == "alerts@example.com")
        #expect(received.recipients == ["ops@example.com", "dev@example.com"])
        #expect(received.data == Self.message)
        #expect(received.tls == false)
    }

    @Test func concurrentMailsAllArrive() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask {
                    _ = try await transport.send(Self.mail(server.url, tls: .none, to: ["user\(index)@example.com"]))
                }
            }
            try await group.waitForAll()
        }
        let received = try await server.waitForMessages(count: 10)
        #expect(Set(received.flatMap(\.recipients)) == Set((0..<10).map { "user\($0)@example.com" }))
        #expect(received.allSatisfy { $0.data == Self.message })
    }

    @Test func startTLSWithThePrivateCA() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        _ = try await transport.send(Self.mail(server.url(host: "localhost")))
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.tls)
        #expect(received.data == Self.message)
    }

    @Test func startTLSWithoutTrustingTheCAFails() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS))
        defer { server.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail(server.url))
        }
        #expect(error?.code == .tls)
        #expect(server.messages.isEmpty)
    }

    @Test func unreadableCAFileIsATLSError() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: "/nonexistent/postwatch-ca.pem"))
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(Self.mail(server.url))
        }
        #expect(error?.code == .tls)
        #expect(server.messages.isEmpty)
    }

    @Test func implicitTLS() async throws {
        let server = try await SMTPServer.start(.init(tls: .implicitTLS))
        defer { server.stop() }
        #expect(server.url.hasPrefix("smtps://"))
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        _ = try await transport.send(Self.mail(server.url))
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.tls)
        #expect(received.recipients.count == 2)
    }

    @Test func smtpsToAPlaintextServerFails() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail("smtps://127.0.0.1:\(server.port)"))
        }
        #expect(error?.code == .tls)
        #expect(server.messages.isEmpty)
    }

    @Test func authenticatedSend() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret pass")))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        _ = try await transport.send(Self.mail(server.url, username: "alice", password: "s3cret pass"))
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.authenticatedAs == "alice")
        #expect(received.tls)
    }

    /// Issue 12, defect 1: libcurl sends the second and later mails of a transport over the
    /// connection the first one authenticated, without AUTH; they must go out, not fail with
    /// "the server offered no authentication".
    @Test(arguments: [SMTPServer.TLS.startTLS, .implicitTLS])
    func authenticatedMailsReuseTheConnection(tls: SMTPServer.TLS) async throws {
        let server = try await SMTPServer.start(.init(tls: tls, credentials: ("alice", "s3cret")))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        let count = 20
        let started = ContinuousClock.now
        for index in 0..<count {
            _ = try await transport.send(Self.mail(server.url, username: "alice", password: "s3cret", to: ["user\(index)@example.com"]))
        }
        let elapsed = ContinuousClock.now - started
        let received = try await server.waitForMessages(count: count)
        #expect(received.count == count)
        #expect(received.allSatisfy { $0.authenticatedAs == "alice" && $0.tls })
        // Reused, not reconnected: fewer connections and AUTH exchanges than mails.
        #expect(server.connectionCount < count)
        #expect(server.authenticationCount == server.connectionCount)
        print("\(tls): \(count) authenticated mails over \(server.connectionCount) connection(s) in \(elapsed)")
    }

    /// Concurrent mails open several connections; each authenticates once and every mail
    /// arrives authenticated.
    @Test func concurrentAuthenticatedMailsAllArrive() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret")))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        for _ in 0..<2 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        _ = try await transport.send(Self.mail(server.url, username: "alice", password: "s3cret", to: ["user\(index)@example.com"]))
                    }
                }
                try await group.waitForAll()
            }
        }
        let received = try await server.waitForMessages(count: 20)
        #expect(received.allSatisfy { $0.authenticatedAs == "alice" })
        #expect(server.authenticationCount == server.connectionCount)
    }

    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret")))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(Self.mail(server.url, username: "alice", password: "wrong-password"))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.curlCode == 67)
        #expect(error?.message.contains("wrong-password") == false)
        #expect(server.messages.isEmpty)
    }

    @Test func missingCredentialsWhereAuthIsRequiredIsRefused() async throws {
        let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret")))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(Self.mail(server.url))
        }
        #expect(error?.code == .smtpRejected)
        #expect(server.messages.isEmpty)
    }

    @Test func startTLSRequiredButNotOfferedSendsNothing() async throws {
        let server = try await SMTPServer.start(.init(tls: .none))
        defer { server.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail(server.url, tls: .required, username: "alice", password: "s3cret"))
        }
        #expect(error?.code == .tls)
        #expect(error?.curlCode == 64)
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.messages.isEmpty)
    }

    @Test(arguments: [SMTPServer.TLS.none, .startTLS])
    func credentialsButNoAuthOfferedSendsNothing(tls: SMTPServer.TLS) async throws {
        let server = try await SMTPServer.start(.init(tls: tls))
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(caFile: server.caFile))
        // Twice through one transport: a second mail, on a new or a reused connection, is
        // refused just the same.
        for _ in 0..<2 {
            let error = await #expect(throws: CurlError.self) {
                try await transport.send(Self.mail(server.url, tls: tls == .none ? .none : .required, username: "alice", password: "s3cret"))
            }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.message.contains("s3cret") == false)
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.messages.isEmpty)
    }

    @Test(arguments: ["ops@example.com\r\nRCPT TO:<evil@example.com>", "ops@example.com\nDATA", "a\0b@example.com",
                      "<ops@example.com>", "ops@example.com>", ""])
    func unsafeAddressesAreRefusedBeforeSending(address: String) async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        for request in [Self.mail(server.url, tls: .none, to: [address]), Self.mail(server.url, tls: .none, from: address)] {
            let error = await #expect(throws: CurlError.self) {
                try await CurlTransport().send(request)
            }
            #expect(error?.code == .invalidRequest)
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.messages.isEmpty)
    }

    @Test func rejectedRecipientKeepsTheServerReply() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail(server.url, tls: .none, to: ["rejected@example.com"]))
        }
        #expect(error?.code == .smtpRejected)
        #expect(error?.message.contains("Recipient address rejected") == true)
        #expect(server.messages.isEmpty)
    }

    /// Issue 12, defect 2: one refused recipient used to stop the mail for all. The accepted
    /// ones get it, and the response tells each recipient's reply.
    @Test func refusedRecipientsDoNotStopTheOthers() async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let response = try await CurlTransport().send(
            Self.mail(server.url, tls: .none, to: ["ops@example.com", "busy@example.com", "rejected@example.com"]))
        #expect(response.recipients.map(\.address) == ["ops@example.com", "busy@example.com", "rejected@example.com"])
        #expect(response.recipients.map(\.code) == [250, 450, 550])
        #expect(response.recipients[2].reply.hasPrefix("550 5.1.1 <rejected@example.com>"))
        let received = try await server.waitForMessages(count: 1)
        #expect(received.map(\.recipients) == [["ops@example.com"]])
    }

    /// Issue 12, defect 3: a message refused after DATA (libcurl's CURLE_WEIRD_SERVER_REPLY) is an
    /// SMTP refusal with the server's reply code and words, so 554 can be told from 451.
    @Test(arguments: [("spamtrap@example.com", 554, "Message refused as spam"), ("greylisted@example.com", 451, "Greylisted")])
    func messageRefusedAfterDataKeepsTheReply(recipient: String, reply: Int, words: String) async throws {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail(server.url, tls: .none, to: [recipient]))
        }
        #expect(error?.code == .smtpRejected)
        #expect(error?.smtpReply == reply)
        #expect(error?.message.contains(words) == true)
        #expect(server.messages.isEmpty)
    }

    @Test func httpURLIsRefusedForMail() async throws {
        let error = await #expect(throws: CurlError.self) {
            try await CurlTransport().send(Self.mail("https://127.0.0.1:1/"))
        }
        #expect(error?.code == .protocolNotAllowed)
    }
}
