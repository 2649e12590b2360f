import ArgumentParser
import Foundation
import GRDB
import Infinipost
import Logging
import Sandbox
import Synchronization
import TestSupport
import Timekeeping
import Watch

/// `postwatch-bench retention`: the state file's size over many cycles of a busy account,
/// without and with `--retention` (docs/benchmarks.md, "Retention").
///
/// Simulated time: cycle `n` runs at `start + n × interval`, so 10,000 cycles of a minute are
/// about a week. Each cycle, `--changed` percent of the posts change status (one event and
/// one notification each, full post JSON in both); every notification is then marked
/// delivered, as a healthy daemon's delivery would. With retention, the daemon's own
/// ``Pruner`` prunes after each cycle, at its own pace (hourly, in batches of 500).
struct RetentionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "State file size over 10,000 cycles, without and with --retention.")

    @Option(help: "Posts of the account.") var posts = 2_000
    @Option(help: "Cycles to run.") var cycles = 10_000
    @Option(help: "Percent of the posts changing status each cycle.") var changed = 2.0
    @Option(help: "Simulated seconds between two cycles.") var interval = 60
    @Option(help: "Retention of the pruned run, e.g. 1d.") var retention = "1d"
    @Option(help: "Print the file size every this many cycles.") var every = 1_000

    /// One row of the size table, taken every `every` cycles.
    struct Sample {
        var fileMB: Double
        var walMB: Double
        var freePages: Int
        var events: Int
        var outbox: Int
        var cycles: Int
    }

    /// What one pass measured.
    struct Pass {
        var samples: [Int: Sample] = [:]
        var prunes: [(seconds: Double, rows: Int)] = []
        var wall: Double = 0
    }

    func run() async throws {
        guard let period = Duration(parsing: retention), period > .zero else {
            throw ValidationError("--retention '\(retention)' is not a positive duration")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Side by side: each pass waits on its own fsyncs most of the time (synchronous = FULL).
        async let keptPass = pass(path: directory.appendingPathComponent("kept.sqlite").path, retention: nil)
        async let prunedPass = pass(path: directory.appendingPathComponent("pruned.sqlite").path, retention: Retention(period: period))
        let (kept, pruned) = try await (keptPass, prunedPass)

        #if DEBUG
        let build = "debug build"
        #else
        let build = "release build"
        #endif
        var lines = [
            "Measured with `postwatch-bench retention` (\(build)) on \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(NotifyBench.loadAverage()): \(posts) posts, \(changed)% changing per cycle, one cycle per \(interval) s of simulated time; every notification delivered. Pruned run: `--retention \(retention)`, pruned by `Pruner` (every 1h, batches of 500).",
            "",
            "| cycles | simulated | no retention: file MB | events | outbox | retention \(retention): file MB | WAL MB | free pages | cycles | events | outbox |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for cycle in stride(from: every, through: cycles, by: every) {
            guard let a = kept.samples[cycle], let b = pruned.samples[cycle] else { continue }
            let days = Double(cycle * interval) / 86_400
            lines.append(String(
                format: "| %d | %.1f d | %.1f | %d | %d | %.1f | %.1f | %d | %d | %d | %d |", cycle, days, a.fileMB,
                a.events, a.outbox, b.fileMB, b.walMB, b.freePages, b.cycles, b.events, b.outbox))
        }
        let times = pruned.prunes.map(\.seconds).sorted()
        let rows = pruned.prunes.map(\.rows).sorted()
        if !times.isEmpty {
            lines.append("")
            lines.append(String(
                format: "Prune calls: %d; time per call median %.1f ms, max %.1f ms; rows per call median %d, max %d. Pass time (both passes side by side): %.0f s without retention, %.0f s with.",
                times.count, times[times.count / 2] * 1000, times[times.count - 1] * 1000, rows[rows.count / 2],
                rows[rows.count - 1], kept.wall, pruned.wall))
        }
        print(lines.joined(separator: "\n"))
    }

    /// Runs `cycles` cycles into a fresh state file at `path`.
    func pass(path: String, retention: Retention?) async throws -> Pass {
        let clock = ContinuousClock()
        let started = clock.now
        let store = try SQLiteStore(path: path)
        let listing = ChangingListing(count: posts)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let poller = Poller(
            listing: listing, store: store, router: PerEventRouter(),
            configuration: PollerConfiguration(partitioning: .none), logger: logger)
        let pruner = retention.map { Pruner(store: store, retention: $0, logger: logger) }
        // The bench's own connection stands in for delivery: one UPDATE a cycle instead of one
        // durable transaction per notification keeps 10,000 cycles to minutes.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Durability of the stand-in's writes is not what is measured.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let delivery = try DatabaseQueue(path: path, configuration: configuration)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let perCycle = max(1, Int((Double(posts) * changed / 100).rounded()))
        var result = Pass()
        for cycle in 1...cycles {
            let now = start.addingTimeInterval(Double(cycle * interval))
            if cycle > 1 { listing.change(perCycle) }
            _ = try await poller.runOnce(now: now)
            try await delivery.write { db in
                try db.execute(
                    sql: "UPDATE outbox SET state = 'delivered', deliveredAt = ?, attempts = 1 WHERE state = 'pending'",
                    arguments: [now.timeIntervalSince1970 + 1])
            }
            if let pruner {
                let before = clock.now
                if let report = try await pruner.pruneIfDue(now: now) {
                    result.prunes.append(((clock.now - before).secondsValue, report.total))
                }
            }
            if cycle % every == 0 { result.samples[cycle] = try await sample(path: path, delivery: delivery) }
        }
        result.wall = (clock.now - started).secondsValue
        return result
    }

    func sample(path: String, delivery: DatabaseQueue) async throws -> Sample {
        func megabytes(_ file: String) -> Double {
            let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int ?? 0
            return Double(size) / 1_048_576
        }
        let counts = try await delivery.read { db in
            try ["PRAGMA freelist_count", "SELECT COUNT(*) FROM events", "SELECT COUNT(*) FROM outbox", "SELECT COUNT(*) FROM cycles"]
                .map { try Int.fetchOne(db, sql: $0) ?? 0 }
        }
        return Sample(
            fileMB: megabytes(path), walMB: megabytes(path + "-wal"), freePages: counts[0], events: counts[1],
            outbox: counts[2], cycles: counts[3])
    }
}

/// The busy account: `count` posts (``SyntheticListing``'s), of which `change(n)` moves `n`
/// chosen at random to another status each cycle.
final class ChangingListing: PostListing {
    private struct State {
        var posts: [Post]
        var random = SeededRandom(seed: 11)
    }
    private let state: Mutex<State>

    init(count: Int) {
        let synthetic = SyntheticListing(count: count, changedPercent: 0)
        state = Mutex(State(posts: (0..<count).map(synthetic.make)))
    }

    func posts(matching query: PostsQuery) async throws -> [Post] { state.withLock { $0.posts } }

    func change(_ count: Int) {
        state.withLock { state in
            let statuses: [PostStatus] = [.generated, .pendingRender, .posted, .failed]
            for _ in 0..<count {
                let index = Int(state.random.next() % UInt64(state.posts.count))
                let current = state.posts[index].status
                let others = statuses.filter { $0 != current }
                state.posts[index].status = others[Int(state.random.next() % UInt64(others.count))]
            }
        }
    }
}
