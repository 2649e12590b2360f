import ArgumentParser
import Foundation
import Curl
import Infinipost
import Logging
import PostgresState
import Sandbox
import TestSupport
import Timekeeping
import Watch

#if canImport(Glibc)
import Glibc
#endif

/// One measured process of `postwatch-bench watch`: runs cycles against `--api-url` and prints
/// one JSON line of figures per cycle (wall, CPU from getrusage, peak RSS, rows written).
/// A process per measurement, so that the peak RSS is that of the cycle measured.
struct WatchBenchCycle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch-cycle", abstract: "One measured Watch cycle (used by `watch`).", shouldDisplay: false)

    @Option var apiUrl: String
    @Option var apiKey: String
    @Option var state: String
    @Option var partitioning = ListingPartitioning.statusPlatformContentType.rawValue
    @Option var concurrency = 16
    @Option var cycles = 1
    /// Off by default, so that each row measures the partitioning it names; a discovery cycle
    /// costs what the "4 chains (status)" row does.
    @Option var discoveryEvery = 0
    /// Posts made up in-process instead of listed over HTTP (Watch's own share of a cycle).
    @Option var synthetic = 0
    @Option var syntheticChanged = 0
    /// Only list (same partitions, no store, no diff): the client's share of a cycle.
    @Flag var listingOnly = false

    func run() async throws {
        let store = try await Self.store(state)
        let client: any PagedPostListing = synthetic > 0
            ? SyntheticListing(count: synthetic, changedPercent: syntheticChanged)
            : InfinipostClient(configuration: InfinipostConfiguration(baseURL: apiUrl, apiKey: apiKey), transport: CurlTransport())
        let poller = Poller(
            listing: client, store: store, router: PerEventRouter(overdueThresholds: [1800]),
            configuration: {
                var configuration = PollerConfiguration(
                    partitioning: ListingPartitioning(rawValue: partitioning) ?? .statusPlatformContentType,
                    maxConcurrentListings: concurrency)
                configuration.discoveryEvery = discoveryEvery
                return configuration
            }(),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        if listingOnly {
            let queries = (ListingPartitioning(rawValue: partitioning) ?? .statusPlatformContentType).queries(accounts: [])
            try await Self.measure {
                let count = try await withThrowingTaskGroup(of: Int.self) { group in
                    for query in queries {
                        group.addTask {
                            var count = 0
                            try await client.forEachPage(matching: query) { count += $0.count }
                            return count
                        }
                    }
                    return try await group.reduce(0, +)
                }
                return ["rows": 0, "posts": Double(count), "listings": Double(queries.count)]
            }
            return
        }
        for _ in 0..<cycles {
            try await Self.measure {
                let report = try await poller.runOnce(now: Date())
                return [
                    "rows": Double(report.rowsWritten), "posts": Double(report.posts),
                    "events": Double(report.events.count), "listings": Double(report.listings),
                    "pages": Double(report.pages),
                ]
            }
        }
        // The next measured process takes the lease at once instead of waiting it out.
        if let leadership = store as Any as? any Leadership, let lease = try await leadership.currentLease() {
            try await leadership.releaseLease(lease)
        }
    }

    /// The SQLite file at `state`, or the PostgreSQL store a `postgres://` URL names.
    static func store(_ state: String) async throws -> any Store {
        guard state.hasPrefix("postgres://") || state.hasPrefix("postgresql://") else { return try SQLiteStore(path: state) }
        let store = try await PostgresStore.open(configuration: PostgresConfiguration(url: state), replicaId: "bench")
        // A shared store commits only for the lease's holder (issue 17's fencing): the bench
        // process takes it for its one cycle, as `check` does.
        if let leadership = store as Any as? any Leadership {
            guard try await leadership.acquireLease(holder: "bench", for: .seconds(600)) != nil else {
                throw ValidationError("another replica holds the lease of \(state)")
            }
        }
        return store
    }

    /// Runs `body` and prints one JSON line: its figures plus wall time, CPU (getrusage) and the
    /// process's peak RSS so far.
    static func measure(_ body: () async throws -> [String: Double]) async throws {
        let before = Usage.now()
        let clock = ContinuousClock()
        let start = clock.now
        var figures = try await body()
        let wall = clock.now - start
        let after = Usage.now()
        figures["wall"] = wall.secondsValue
        figures["cpu"] = after.cpu - before.cpu
        figures["maxrssMB"] = after.maxrssMB
        let line = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        emit(String(decoding: line, as: UTF8.self))
    }
}

struct Usage {
    var cpu: Double
    var maxrssMB: Double

    static func now() -> Usage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Usage(cpu: cpu, maxrssMB: Double(usage.ru_maxrss) / 1024)  // KiB on Linux
    }
}

/// The sandbox of `postwatch-bench watch`, in its own process so that its memory and CPU are not
/// counted as the poller's. Prints `port N`, then obeys lines on stdin:
/// `latency MS`, `change N` (N posts change status), `quit`.
struct WatchBenchSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch-sandbox", abstract: "The sandbox of `watch` (used by `watch`).", shouldDisplay: false)

    @Option var posts = 100_000
    @Option var seed: UInt64 = 7

    func run() async throws {
        let sandbox = Sandbox(configuration: SandboxConfiguration(
            initialPosts: posts, apiKey: "bench-key", tick: nil, seed: seed, accounts: 20, newPostsPerTick: 0))
        let server = SandboxHTTPServer(
            sandbox: sandbox, host: "127.0.0.1", port: 0,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run { port in
                    emit("port \(port)")
                }
            }
            group.addTask {
                while let line = readLine() {
                    let words = line.split(separator: " ")
                    guard let command = words.first else { continue }
                    let value = words.count > 1 ? Int(words[1]) ?? 0 : 0
                    switch command {
                    case "latency":
                        sandbox.faults = SandboxFaults(latency: .milliseconds(value))
                    case "change":
                        let all = sandbox.posts()
                        let step = max(1, all.count / max(1, value))
                        for post in stride(from: 0, to: all.count, by: step).prefix(value).map({ all[$0] }) {
                            sandbox.setStatus(post.postId, to: post.status == .failed ? .posted : .failed)
                        }
                    default:
                        return
                    }
                    emit("ok")
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// A line on stdout, unbuffered: the parent waits for it.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
