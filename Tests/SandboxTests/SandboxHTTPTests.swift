import Foundation
import Infinipost
import Sandbox
import Testing
import TestSupport

/// The sandbox on the network, asked by the `curl` command line as a user would.
@Suite struct SandboxHTTPTests {
    struct CurlResult {
        var exitCode: Int32
        var status: Int
        var headers: String
        var body: String
    }

    /// Runs `/usr/bin/curl` and splits its answer; `-i` keeps the headers. On a thread of its own:
    /// waiting for a process must not hold one of the few threads the server needs to answer.
    func curl(_ url: String, key: String?, extra: [String] = []) async throws -> CurlResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try Self.runCurl(url, key: key, extra: extra) }) }.start()
        }
    }

    static func runCurl(_ url: String, key: String?, extra: [String]) throws -> CurlResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sS", "-i", "--max-time", "10"] + extra
        if let key { arguments += ["-H", "Authorization: Bearer \(key)"] }
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return CurlResult(
            exitCode: process.terminationStatus, status: status, headers: head,
            body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test func curlGetsDocumentedAnswers() async throws {
        try await SandboxServer.with { server in
            let url = server.baseURL + "/v1/posts"
            let page = try await curl(url + "?limit=2", key: server.apiKey)
            #expect(page.exitCode == 0)
            #expect(page.status == 200)
            #expect(page.headers.lowercased().contains("content-type: application/json"))
            let decoded = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(page.body.utf8))
            #expect(decoded.data.count == 2)
            #expect(decoded.hasMore)
            let next = try #require(decoded.nextCursor)
            let second = try await curl(url + "?limit=100&cursor=\(next)", key: server.apiKey)
            let last = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(second.body.utf8))
            #expect(last.data.count == 48)
            #expect(second.body.hasSuffix(#""hasMore":false,"nextCursor":null}"#))

            let unauthenticated = try await curl(url, key: nil)
            #expect(unauthenticated.status == 401)
            #expect(unauthenticated.body == #"{"error":{"code":"unauthenticated","message":"Invalid or missing API key"}}"#)
            let badStatus = try await curl(url + "?status=done", key: server.apiKey)
            #expect(badStatus.status == 400)
            #expect(
                badStatus.body
                    == #"{"error":{"code":"invalid_parameter","message":"status must be one of: generated, pending_render, posted, failed"}}"#)
            let badCursor = try await curl(url + "?cursor=garbage%21", key: server.apiKey)
            #expect(badCursor.body == #"{"error":{"code":"invalid_parameter","message":"Invalid cursor"}}"#)
            // Percent-encoded values are decoded: `pending%5Frender` is `pending_render`.
            let encoded = try await curl(url + "?status=pending%5Frender", key: server.apiKey)
            #expect(encoded.status == 200)
        }
    }

    @Test func faultsReachTheWire() async throws {
        try await SandboxServer.with { server in
            let url = server.baseURL + "/v1/posts"
            server.sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 2), .badGatewayHTML, .cutConnection])
            let limited = try await curl(url, key: server.apiKey)
            #expect(limited.status == 429)
            #expect(limited.headers.lowercased().contains("retry-after: 2"))
            let html = try await curl(url, key: server.apiKey)
            #expect(html.status == 502)
            #expect(html.body.contains("<h1>502 Bad Gateway</h1>"))
            let cut = try await curl(url, key: server.apiKey)
            #expect(cut.status == 200)
            #expect(cut.exitCode == 18, "curl: transfer closed with outstanding read data remaining")
            // The server is still fine afterwards.
            #expect(try await curl(url, key: server.apiKey).status == 200)
        }
    }

    @Test func latencyIsApplied() async throws {
        try await SandboxServer.with { server in
            server.sandbox.faults = SandboxFaults(latency: .milliseconds(300))
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                _ = try await curl(server.baseURL + "/v1/posts?limit=1", key: server.apiKey)
            }
            #expect(elapsed >= .milliseconds(300))
        }
    }

    @Test func serversRunSideBySideAndStopCleanly() async throws {
        let a = try await SandboxServer.start()
        let b = try await SandboxServer.start()
        #expect(a.port != b.port)
        #expect(try await curl(a.baseURL + "/v1/posts", key: a.apiKey).status == 200)
        #expect(try await curl(b.baseURL + "/v1/posts", key: a.apiKey).status == 401)
        await a.shutdown()
        await b.shutdown()
        let refused = try await curl(a.baseURL + "/v1/posts", key: a.apiKey)
        #expect(refused.exitCode == 7, "connection refused once shut down")
    }
}
