import Foundation
import Synchronization

/// A real SMTP server for tests: Debian's aiosmtpd (`/usr/bin/python3`, package
/// `python3-aiosmtpd`) on 127.0.0.1, a free port, in its own temp dir. Every message it accepts
/// is kept and readable from Swift (envelope and raw bytes).
///
/// ```swift
/// let server = try await SMTPServer.start(.init(tls: .startTLS, credentials: ("alice", "s3cret")))
/// defer { server.stop() }
/// // send to server.url (smtp://127.0.0.1:PORT), trusting server.caFile
/// let messages = try await server.waitForMessages(count: 1)
/// ```
///
/// Modes: `.none` is plain SMTP and offers no STARTTLS (the "STARTTLS not offered" peer);
/// `.startTLS` offers STARTTLS (and AUTH only after it, as real servers do); `.implicitTLS` is
/// SMTPS. With `credentials`, AUTH PLAIN/LOGIN is offered and required; without, no AUTH is
/// offered at all. The certificate is self-signed for `localhost` and 127.0.0.1, made once per
/// test process with `openssl`; pass `caFile` as the transport's CA file.
///
/// Refusals, by a word in a recipient's address: `rejected` is refused at RCPT with `550 5.1.1`,
/// `busy` with `450 4.2.1` the first time the server sees that address (as greylisting does); a
/// message to `spamtrap` is refused after DATA with `554 5.7.1`, one to `greylisted` with
/// `451 4.7.1`.
public final class SMTPServer: Sendable {
    public enum TLS: Sendable {
        case none, startTLS, implicitTLS
    }

    public struct Options: Sendable {
        public var tls: TLS
        /// Username and password the server accepts; nil: the server offers no AUTH.
        public var credentials: (username: String, password: String)?

        public init(tls: TLS = .none, credentials: (username: String, password: String)? = nil) {
            self.tls = tls
            self.credentials = credentials
        }
    }

    /// One accepted message.
    public struct Message: Sendable, Decodable {
        public let from: String
        public let recipients: [String]
        /// The user the session authenticated as, or nil.
        public let authenticatedAs: String?
        /// Whether the session ran over TLS (STARTTLS or implicit).
        public let tls: Bool
        /// The DATA as received, CRLF line ends kept, dot-stuffing undone.
        public internal(set) var data: Data = Data()

        public var text: String { String(decoding: data, as: UTF8.self) }

        enum CodingKeys: String, CodingKey { case from, recipients, authenticatedAs, tls }
    }

    public let port: Int
    public let options: Options
    /// The directory messages are written to (and the server's log, `server.log`).
    public let directory: URL
    /// The server's certificate (PEM); trust it as a CA to talk TLS to this server.
    public let caFile: String
    private let process: Process

    /// `smtp://127.0.0.1:PORT` or `smtps://127.0.0.1:PORT` (with `localhost` if `host` says so).
    public var url: String { url(host: "127.0.0.1") }

    public func url(host: String) -> String {
        "\(options.tls == .implicitTLS ? "smtps" : "smtp")://\(host):\(port)"
    }

    private init(port: Int, options: Options, directory: URL, caFile: String, process: Process) {
        self.port = port
        self.options = options
        self.directory = directory
        self.caFile = caFile
        self.process = process
    }

    /// Starts the server and returns once it accepts connections (throws after `timeout`).
    public static func start(_ options: Options = Options(), timeout: Duration = .seconds(20)) async throws -> SMTPServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptPath = directory.appendingPathComponent("server.py")
        try Data(script.utf8).write(to: scriptPath)
        let certificate = try await TestCertificate.shared()

        var arguments = ["-I", scriptPath.path, "--dir", directory.path,
                         "--cert", certificate.certificate, "--key", certificate.key]
        switch options.tls {
        case .none: arguments += ["--tls", "none"]
        case .startTLS: arguments += ["--tls", "starttls"]
        case .implicitTLS: arguments += ["--tls", "implicit"]
        }
        if let (username, password) = options.credentials {
            arguments += ["--user", username, "--password", password]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let log = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? logHandle.close()

        // The script binds port 0 and publishes the port it got: no race with parallel tests.
        let portFile = directory.appendingPathComponent("port")
        let deadline = ContinuousClock.now + timeout
        while true {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return SMTPServer(port: port, options: options, directory: directory, caFile: certificate.certificate, process: process)
            }
            let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if !process.isRunning {
                throw FixtureError("aiosmtpd exited with status \(process.terminationStatus): \(logText)")
            }
            if ContinuousClock.now >= deadline {
                process.terminate()
                throw FixtureError("aiosmtpd did not start within \(timeout): \(logText)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops the server process (SIGTERM) and removes its directory. Safe to call twice, and
    /// never blocks: waiting for the exit (`waitUntilExit`) from a test's async context can stall
    /// Swift's cooperative thread pool, so the process is left to exit and be reaped by Foundation.
    public func stop() {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// Every message accepted so far, in arrival order.
    public var messages: [Message] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let base = directory.appendingPathComponent(String(name.dropLast(5)))
            guard let json = try? Data(contentsOf: base.appendingPathExtension("json")),
                  var message = try? JSONDecoder().decode(Message.self, from: json) else { return nil }
            message.data = (try? Data(contentsOf: base.appendingPathExtension("eml"))) ?? Data()
            return message
        }
    }

    /// Waits until at least `count` messages arrived and returns them all; throws on timeout.
    @discardableResult
    public func waitForMessages(count: Int, timeout: Duration = .seconds(45)) async throws -> [Message] {
        try await waitForCount(count, of: "messages", in: "SMTPServer", timeout: timeout, every: .milliseconds(20)) {
            messages
        }
    }

    /// TCP connections accepted so far (a client that reuses its connection opens fewer than
    /// it sends messages).
    public var connectionCount: Int { lineCount("connections") }

    /// Successful AUTH exchanges so far.
    public var authenticationCount: Int { lineCount("authentications") }

    private func lineCount(_ name: String) -> Int {
        let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count
    }

    /// The server's log (aiosmtpd's own output), for diagnosing a failed test.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made once per process.
public struct TestCertificate: Sendable {
    /// PEM certificate; also the CA file to trust.
    public let certificate: String
    public let key: String

    private static let made = Mutex<Task<TestCertificate, any Error>?>(nil)

    /// The process's certificate, made on first use with `openssl req -x509`.
    public static func shared() async throws -> TestCertificate {
        let task = made.withLock { made in
            if let made { return made }
            let task = Task { try await make() }
            made = task
            return task
        }
        return try await task.value
    }

    private static func make() async throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(certificate: directory.appendingPathComponent("cert.pem").path,
                                          key: directory.appendingPathComponent("key.pem").path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7",
                             "-keyout", certificate.key, "-out", certificate.certificate, "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Polled, not `waitUntilExit()`: see `SMTPServer.stop()`.
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        guard process.terminationStatus == 0 else { throw FixtureError("openssl req -x509 failed (\(process.terminationStatus))") }
        return certificate
    }
}
