import ArgumentParser
import Foundation
import TestSupport

/// `postwatch-bench ha`: the figures of issue 17 in docs/benchmarks.md. Cycles on PostgreSQL
/// against SQLite (the unchanged 100k cycle, the first cycle at 1M posts), and delivery
/// throughput of 1, 2 and 3 real `postwatch run` replicas sharing one PostgreSQL store against
/// 50 receivers (one SQLite process beside them for reference).
///
/// PostgreSQL is a private cluster (`TestSupport.PostgresServer`) with its durability settings
/// back on (`fsync`, `synchronous_commit`, `full_page_writes`): the tests turn them off, a
/// benchmark against SQLite's synchronous commits must not.
struct HABench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ha", abstract: "PostgreSQL vs SQLite cycles; delivery with 1, 2 and 3 replicas (issue 17).")

    @Option(help: "Posts for the unchanged cycles (0 skips them).") var posts = 100_000
    @Option(help: "Posts for the first cycle of a large store (0 skips it).") var large = 1_000_000
    @Option(help: "Webhook receivers for the delivery runs.") var receivers = 50
    @Option(help: "Notifications per delivery run (a multiple of --receivers).") var messages = 3_000
    @Option(help: "Replica counts of the delivery runs, comma-separated (empty skips them).") var replicas = "1,2,3"

    static let durable = ["fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"]

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ha-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let postgres = try await PostgresServer.start(PostgresServer.Options(settings: Self.durable))
        do {
            print("## High availability on PostgreSQL (issue 17)\n")
            print("Measured with `postwatch-bench ha` (\(NotifyBench.build)) on \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(NotifyBench.loadAverage()) at the start, \(Date().formatted(.iso8601)).\n")
            try await cycles(postgres: postgres, folder: folder)
            try await delivery(postgres: postgres, folder: folder)
        } catch {
            try? await postgres.stop()
            throw error
        }
        try await postgres.stop()
    }

    func delivery(postgres: PostgresServer, folder: URL) async throws {
        let counts = replicas.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty else { return }
        let hooks = try (0..<receivers).map { _ in try HTTPReceiver.start() }
        defer { hooks.forEach { $0.stop() } }
        print("| delivery | replicas | notifications | receivers | time | notifications/s | sent by each replica |")
        print("|---|---|---|---|---|---|---|")
        func row(_ label: String, _ count: Int, _ figures: DeliveryFigures) {
            print("| \(label) | \(count) | \(figures.messages) | \(receivers) | \(NotifyBench.seconds(figures.seconds)) | \(NotifyBench.rate(figures.messages, figures.seconds)) | \(figures.byReplica.map(String.init).joined(separator: " + ")) |")
        }
        let sqlite = folder.appendingPathComponent("delivery.sqlite").path
        row("SQLite (one process)", 1, try await deliveryRun(replicas: 1, state: sqlite, receivers: hooks, folder: folder))
        for count in counts {
            let url = postgres.url(database: try await postgres.createDatabase())
            row("PostgreSQL", count, try await deliveryRun(replicas: count, state: url, receivers: hooks, folder: folder))
        }
        print("")
    }
}
