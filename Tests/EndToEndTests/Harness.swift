import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary folder per test, with its own rules and state file.
struct Workspace {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var path: String { folder.path }
    var rules: String { folder.appendingPathComponent("rules").path }
    var state: String { folder.appendingPathComponent("state.sqlite").path }

    /// Writes `text` as the only rule file `rules/main.rules` (replacing what was there).
    func writeRules(_ text: String, name: String = "main.rules") throws {
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        try text.write(toFile: rules + "/" + name, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// The secrets of a test: each must never appear in anything postwatch prints.
struct Secrets {
    var apiKey: String
    var hookURL: String
    var hookToken: String
    var hmacSecret = "hmac-\(UUID().uuidString)"
    var smtpPassword = "smtp-pw-\(UUID().uuidString)"

    init(apiKey: String, receiver: HTTPReceiver) {
        self.apiKey = apiKey
        hookToken = "T0KEN\(UInt32.random(in: 100_000...999_999))XYZ"
        hookURL = receiver.url("/hooks/\(hookToken)")
    }

    var all: [String] { [apiKey, hookURL, hookToken, hmacSecret, smtpPassword] }

    /// Fails the test for every secret found in `output`.
    func expectAbsent(from output: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in all {
            #expect(!output.contains(secret), "a secret was printed: \(secret)", sourceLocation: sourceLocation)
        }
    }
}

/// A long-running `postwatch` whose output is collected while it runs.
final class LiveProcess: Sendable {
    let process: Process
    private let out = LockedData()
    private let err = LockedData()

    init(_ binary: PostwatchBinary, _ arguments: [String], environment: [String: String], directory: String) throws {
        process = try binary.start(arguments, environment: environment, directory: directory)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A thread per pipe reading to the end, not `readabilityHandler`: corelibs Foundation
        // drives that handler with a dispatch source that can outlive the pipe's file
        // descriptor, and the test process then crashed in `_dispatch_event_loop_drain` (seen
        // once in five parallel runs, while a daemon under test exited).
        Self.collect(stdout.fileHandleForReading, into: out)
        Self.collect(stderr.fileHandleForReading, into: err)
    }

    private static func collect(_ handle: FileHandle, into data: LockedData) {
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }  // end of file: the process closed its end
                data.append(chunk)
            }
        }
    }

    var stdout: String { out.text }
    var stderr: String { err.text }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits (polling, never blocking a thread) until `predicate` holds for stderr.
    func waitForStderr(
        timeout: Duration = .seconds(45), _ what: String, _ predicate: (String) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !predicate(stderr) {
            guard process.isRunning else { throw TestSupportError("postwatch exited while waiting for \(what):\n\(stderr)") }
            guard ContinuousClock.now < deadline else { throw TestSupportError("timed out waiting for \(what):\n\(stderr)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the exit and returns the status (killed after `timeout`).
    func waitForExit(timeout: Duration = .seconds(45)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TestSupportError("postwatch did not exit within \(timeout):\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Let the readability handlers take the last bytes.
        try await Task.sleep(for: .milliseconds(100))
        return process.terminationStatus
    }

    /// Kills the process if a test left it running.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Small network helpers: a free port, and a plain HTTP GET on loopback.
enum Net {
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `GET path` on `127.0.0.1:port`: the status code and body, nil when nothing listens.
    static func get(port: Int, path: String, timeout: Int = 5) -> (status: Int, body: String)? {
        request(port: port, method: "GET", path: path, timeout: timeout)
    }

    /// `METHOD path` on `127.0.0.1:port` with these headers and body: the status code and
    /// body, nil when nothing listens.
    static func request(
        port: Int, method: String, path: String, headers: [String: String] = [:], body: String? = nil, timeout: Int = 5
    ) -> (status: Int, body: String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var receiveTimeout = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receiveTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first else { return nil }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}

/// Runs a short command (not postwatch: sqlite3, openssl) to completion and returns its stdout.
///
/// It reads the pipe to its end, which comes when the command exits: waiting for the exit and
/// then a fixed 50 ms for a readability handler lost the output now and then on a busy machine
/// (the model test read an empty cycle count from `sqlite3` once in 450 cycles). The read blocks
/// a thread of its own, never one of the 2 cooperative threads of this 2-core machine: the model
/// test runs `sqlite3` every cycle, and with the suite in parallel every other test waited.
func runTool(_ path: String, _ arguments: [String]) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: out.fileHandleForReading.readDataToEndOfFile()) }
    }
    while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
    return String(decoding: data, as: UTF8.self)
}

/// Bytes appended from a pipe's reading thread, read from the test.
final class LockedData: @unchecked Sendable {
    // Unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

/// The hex HMAC-SHA256 of `body` keyed with `secret` (openssl, as a receiver would check it).
func hmacSHA256(_ body: Data, secret: String) async throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString)")
    try body.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let output = try await runTool("/usr/bin/openssl", ["dgst", "-sha256", "-hmac", secret, "-r", file.path])
    return String(output.prefix { $0 != " " })
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(45), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
