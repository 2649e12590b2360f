import ArgumentParser
import Foundation

/// `postwatch-bench watch`: the Watch figures of docs/benchmarks.md.
///
/// Against a sandbox in its own process: a cycle over N posts unchanged and with 1% changed
/// (wall, CPU, peak RSS, rows written); at 20 ms latency per request, partitioned listings versus
/// one cursor chain; and the same unchanged cycle over a store of `--large` posts. Each cycle is
/// measured in a fresh `watch-cycle` process.
struct WatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Snapshot, diff and store: cycle cost at 100k and 1M posts.")

    @Option(help: "Posts for the main figures.") var posts = 100_000
    @Option(help: "Posts for the large store (0 skips it).") var large = 1_000_000
    @Option(help: "Latency per request for the partitioning comparison, in ms.") var latency = 20
    @Flag(help: "Also the cycles over made-up posts (each chain generates all posts: CPU inflated).")
    var synthetic = false

    func run() async throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rows: [String] = []
        func record(_ label: String, _ figures: [String: Double]) {
            let row = String(
                format: "| %@ | %.0f | %.2f | %.2f | %.0f | %.0f | %.0f |", label, figures["posts"] ?? 0,
                figures["wall"] ?? 0, figures["cpu"] ?? 0, figures["maxrssMB"] ?? 0, figures["rows"] ?? 0,
                figures["listings"] ?? 0)
            rows.append(row)
            print(row)
        }
        /// `runs` measurements of one cycle: the median CPU run, with the highest peak RSS of
        /// all (the CPU of one process varies by a third on the shared 2-core machine).
        func median(_ runs: Int, _ measure: () throws -> [String: Double]) rethrows -> [String: Double] {
            let all = try (0..<runs).map { _ in try measure() }.sorted { ($0["cpu"] ?? 0) < ($1["cpu"] ?? 0) }
            var middle = all[all.count / 2]
            middle["maxrssMB"] = all.compactMap { $0["maxrssMB"] }.max()
            return middle
        }
        print("| cycle | posts | wall s | CPU s | peak RSS MB | rows written | chains |")
        print("|---|---|---|---|---|---|---|")

        if posts > 0 {
        let sandbox = try BenchChild(binary, ["watch-sandbox", "--posts", String(posts)])
        let port = try sandbox.readLine().replacingOccurrences(of: "port ", with: "")
        let api = ["--api-url", "http://127.0.0.1:\(port)", "--api-key", "bench-key"]
        let state = dir.appendingPathComponent("main.sqlite").path
        func cycle(_ extra: [String] = []) throws -> [String: Double] {
            try BenchChild.figures(binary, ["watch-cycle"] + api + ["--state", state] + extra)
        }
        record("baseline (\(posts))", try cycle())
        record("unchanged (median of 5)", try median(5) { try cycle() })
        record("listing only (client share)", try cycle(["--listing-only"]))
        try sandbox.command("change \(posts / 100)")
        record("1% changed", try cycle())
        record("unchanged again (median of 5)", try median(5) { try cycle() })
        try sandbox.command("latency \(latency)")
        for (name, partitioning) in [
            ("16 chains (status × platform × contentType)", "statusPlatformContentType"),
            ("4 chains (status)", "status"), ("1 chain", "none"),
        ] {
            record("\(latency) ms latency, \(name)", try cycle(["--partitioning", partitioning]))
        }
        try sandbox.command("quit")
        sandbox.wait()
        }

        // Watch's own share: the same cycles over posts made up in-process (no HTTP, no JSON).
        for count in [posts, large] where count > 0 && synthetic {
            let synthetic = dir.appendingPathComponent("synthetic-\(count).sqlite").path
            let args = ["watch-cycle", "--api-url", "-", "--api-key", "-", "--state", synthetic, "--synthetic", String(count)]
            record("synthetic baseline (\(count))", try BenchChild.figures(binary, args))
            record("synthetic unchanged (\(count))", try BenchChild.figures(binary, args))
            record("synthetic 1% changed (\(count))", try BenchChild.figures(binary, args + ["--synthetic-changed", "1"]))
        }

        if large > 0 {
            let big = try BenchChild(binary, ["watch-sandbox", "--posts", String(large)])
            let bigPort = try big.readLine().replacingOccurrences(of: "port ", with: "")
            let bigState = dir.appendingPathComponent("large.sqlite").path
            let bigAPI = ["--api-url", "http://127.0.0.1:\(bigPort)", "--api-key", "bench-key", "--state", bigState]
            record("baseline (\(large))", try BenchChild.figures(binary, ["watch-cycle"] + bigAPI))
            record("unchanged (\(large), median of 3)", try median(3) { try BenchChild.figures(binary, ["watch-cycle"] + bigAPI) })
            try big.command("change \(large / 100)")
            record("1% changed (\(large))", try BenchChild.figures(binary, ["watch-cycle"] + bigAPI))
            try big.command("quit")
            big.wait()
        }
    }
}

/// A child process of the bench, spoken to over its stdin/stdout.
final class BenchChild {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    private var buffer = Data()

    init(_ binary: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw ValidationError("child \(process.arguments?.first ?? "") ended early") }
            buffer.append(chunk)
        }
    }

    func command(_ line: String) throws {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        if line != "quit" { _ = try readLine() }
    }

    func wait() { process.waitUntilExit() }

    /// Runs a `watch-cycle` process to the end and returns its (last) line of figures.
    static func figures(_ binary: String, _ arguments: [String]) throws -> [String: Double] {
        let child = try BenchChild(binary, arguments)
        let line = try child.readLine()
        child.wait()
        guard child.process.terminationStatus == 0,
            let figures = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
        else { throw ValidationError("watch-cycle failed: \(line)") }
        return figures
    }
}
