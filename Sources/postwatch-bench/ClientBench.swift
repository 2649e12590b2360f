import ArgumentParser
import Curl
import Foundation
import Infinipost
import Sandbox
import TestSupport
import Timekeeping

#if canImport(Glibc)
    import Glibc
#endif

/// `postwatch-bench client`: lists every post of a sandbox through `InfinipostClient`, then the
/// same pages with the `curl` command line in a shell loop, and compares.
struct ClientBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Infinipost client vs a curl shell loop over a zero-latency sandbox.")

    @Option(help: "Posts in the sandbox.")
    var posts: Int = 100_000

    @Option(help: "Markdown file whose '## Client and sandbox' section is replaced with the figures.")
    var output: String?

    func run() async throws {
        var configuration = SandboxServer.testConfiguration(posts: posts, seed: 2026)
        configuration.apiKey = "bench-key"
        let server = try await SandboxServer.start(configuration)
        defer { Task { await server.shutdown() } }

        // The sandbox alone (no HTTP): its cost per listing, and its JSON cache warmed for both runs.
        let clock = ContinuousClock()
        var sandboxPages = 0
        let coldTime = clock.measure { sandboxPages = Self.listInProcess(server.sandbox) }
        let sandboxTime = clock.measure { sandboxPages = Self.listInProcess(server.sandbox) }

        let rssBefore = Self.maxRSS(RUSAGE_SELF)
        let client = InfinipostClient(
            configuration: InfinipostConfiguration(baseURL: server.baseURL, apiKey: server.apiKey), transport: CurlTransport())
        var listed: [Post] = []
        let clientTime = try await clock.measure { listed = try await client.posts(matching: PostsQuery()) }
        let rssAfter = Self.maxRSS(RUSAGE_SELF)
        guard listed.count == posts, Set(listed.map(\.postId)).count == posts else {
            throw ValidationError("the client listed \(listed.count) posts, expected \(posts) distinct")
        }
        listed = []

        let (curlTime, curlPages) = try await Self.curlLoop(baseURL: server.baseURL, apiKey: server.apiKey)
        await server.shutdown()

        let ratio = clientTime.secondsValue / curlTime.secondsValue
        let lines = [
            "## Client and sandbox",
            "",
            "`postwatch-bench client --posts \(posts)` (release build; sandbox in-process on 127.0.0.1, zero latency, "
                + "pages of 100; \(ProcessInfo.processInfo.activeProcessorCount) cores, shared; "
                + "\(Self.today())).",
            "",
            "| run | time | pages | posts/s | peak memory |",
            "|---|---:|---:|---:|---:|",
            "| `InfinipostClient.posts(matching:)` (libcurl, pages read into `Post`s by `PostsPageParser`) | \(Self.seconds(clientTime)) | \(sandboxPages) | \(Self.rate(posts, clientTime)) | +\(Self.megabytes(rssAfter - rssBefore)) over the sandbox (\(Self.megabytes(rssAfter)) process) |",
            "| `curl` command line in a bash loop (one process per page, cursor cut out of the body) | \(Self.seconds(curlTime)) | \(curlPages) | \(Self.rate(posts, curlTime)) | not measured (a new process per page) |",
            "| sandbox alone, in-process (`Sandbox.respond`, no HTTP), JSON cache warm as for both runs above | \(Self.seconds(sandboxTime)) | \(sandboxPages) | \(Self.rate(posts, sandboxTime)) | — |",
            "| sandbox alone, first listing (every post's JSON written once) | \(Self.seconds(coldTime)) | \(sandboxPages) | \(Self.rate(posts, coldTime)) | — |",
            "",
            "Client time / curl loop time: **\(String(format: "%.2f", ratio))×** (target: ≤ 1.3×).",
            "",
            "The curl loop pays a process and a new connection per page; the client reuses connections on "
                + "one multi handle and reads each page with `PostsPageParser` (a byte-level reader; "
                + "`JSONDecoder` remains the fallback for what it does not read). The "
                + "client's peak memory is the 100,000 `Post`s it returns plus the pages in flight; the sandbox "
                + "keeps each post's JSON cached (written once, reused until the post changes).",
            "",
        ]
        let section = lines.joined(separator: "\n")
        print(section)
        if let output { try Self.replaceSection(in: output, with: section) }
    }

    /// Pages through the sandbox without HTTP; returns the page count.
    static func listInProcess(_ sandbox: Sandbox) -> Int {
        var cursor: String?
        var pages = 0
        let decoder = JSONDecoder()
        struct Tail: Decodable { var nextCursor: String? }
        repeat {
            var query: [(name: String, value: String)] = [("limit", "100")]
            if let cursor { query.append(("cursor", cursor)) }
            let response = sandbox.respond(
                to: Sandbox.Request(path: "/v1/posts", query: query, authorization: "Bearer " + sandbox.configuration.apiKey))
            pages += 1
            cursor = (try? decoder.decode(Tail.self, from: Data(response.body)))?.nextCursor
        } while cursor != nil
        return pages
    }

    /// The same listing with `curl` in a bash loop; returns its wall time and page count.
    static func curlLoop(baseURL: String, apiKey: String) async throws -> (Duration, Int) {
        let script = """
            pages=0; cursor=""
            while :; do
              body=$(curl -sS -H "Authorization: Bearer $KEY" "$BASE/v1/posts?limit=100${cursor:+&cursor=$cursor}") || exit 1
              pages=$((pages + 1))
              tail=${body##*\\"nextCursor\\":}
              case $tail in null*) break ;; esac
              cursor=${tail#\\"}; cursor=${cursor%%\\"*}
            done
            echo $pages
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.environment = ["BASE": baseURL, "KEY": apiKey, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        // Off the cooperative pool: the in-process sandbox needs those threads to answer curl.
        let data = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            Thread {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
        let elapsed = clock.now - start
        guard process.terminationStatus == 0, let pages = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw ValidationError("the curl loop failed (exit \(process.terminationStatus))") }
        return (elapsed, pages)
    }

    /// Peak resident memory in bytes (`ru_maxrss` is in KiB on Linux).
    static func maxRSS(_ who: __rusage_who) -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    static func replaceSection(in path: String, with section: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "# Benchmarks\n\n"
        var lines = existing.components(separatedBy: "\n")
        if let start = lines.firstIndex(of: "## Client and sandbox") {
            let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
            lines.replaceSubrange(start..<end, with: section.components(separatedBy: "\n"))
        } else {
            while lines.last == "" { lines.removeLast() }
            lines += [""] + section.components(separatedBy: "\n")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.2f s", duration.secondsValue) }
    static func rate(_ count: Int, _ duration: Duration) -> String {
        String(format: "%.0f", Double(count) / max(duration.secondsValue, 1e-9))
    }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_048_576) }
    static func today() -> String { String(Date().formatted(.iso8601).prefix(10)) }
}
