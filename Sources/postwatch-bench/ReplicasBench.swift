import ArgumentParser
import Curl
import Foundation
import Logging
import Notify
import PostgresState
import TestSupport
import Watch

/// `postwatch-bench replicas`: delivery throughput from one PostgreSQL outbox (issue 17) by 1,
/// 2 and 3 replicas, each a `Delivery` on its own store (its own pool), against local webhook
/// receivers without rate limits. A private PostgreSQL cluster (TestSupport's
/// `PostgresServer`) holds the outbox.
struct ReplicasBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas", abstract: "Delivery throughput by several replicas from one PostgreSQL outbox.")

    @Option(help: "Notifications per run.")
    var messages = 1_000
    @Option(help: "Local webhook receivers (one channel each).")
    var receivers = 50
    @Option(help: "Replica counts to measure, comma-separated.")
    var replicas = "1,2,3"
    @Option(help: "Entries a replica claims of a channel at once, comma-separated (500: Delivery's default).")
    var batches = "500,5"

    func run() async throws {
        let transport = CurlTransport()
        let build = NotifyBench.build
        var lines = [
            "## Delivery by several replicas (PostgreSQL)", "",
            "Measured with `postwatch-bench replicas` (\(build)) on \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(NotifyBench.loadAverage()); outbox in a private PostgreSQL 15 cluster (fsync off), every replica a `Delivery` on its own `PostgresStore`, \(receivers) webhook receivers on 127.0.0.1, no rate limit.",
            "",
            "| replicas | claimed at once per channel | messages | time | messages/s | sent by each replica |",
            "|---|---|---|---|---|---|",
        ]
        for batch in batches.split(separator: ",").compactMap({ Int($0) }) {
            for count in replicas.split(separator: ",").compactMap({ Int($0) }) {
                let (time, shares) = try await deliver(replicas: count, batchSize: batch, transport: transport)
                lines.append(
                    "| \(count) | \(batch) | \(messages) | \(NotifyBench.seconds(time)) | \(NotifyBench.rate(messages, time)) | \(shares.map(String.init).joined(separator: " / ")) |")
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// Queues the messages in a fresh database, then lets `replicas` deliveries work through
    /// them at once until every one is delivered; the wall time and how many each delivered.
    func deliver(replicas count: Int, batchSize: Int, transport: CurlTransport) async throws -> (Double, [Int]) {
        let receivers = try (0..<self.receivers).map { _ in try HTTPReceiver.start() }
        defer { receivers.forEach { $0.stop() } }
        let channels: [any Channel] = receivers.enumerated().map { index, receiver in
            WebhookChannel(name: "hook\(index)", url: receiver.url("/hook"), secret: "bench-secret", transport: transport)
        }
        let stores = try await PostgresServer.shared.replicas(count)
        try await stores[0].commit(NotifyBench.commit(count: messages, channels: channels.map { ($0.name, $0.kind) }, at: Date()))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let deliveries = stores.map { store in
            Delivery(outbox: store, channels: channels, configuration: .init(batchSize: batchSize), logger: logger, permits: store)
        }
        let start = ContinuousClock.now
        var shares = Array(repeating: 0, count: count)
        while try await stores[0].depth()[.delivered, default: 0] < messages {
            guard ContinuousClock.now - start < .seconds(600) else { throw FixtureError("not delivered within 10 minutes") }
            let reports = await withTaskGroup(of: (Int, Delivery.Report).self) { group in
                for (index, delivery) in deliveries.enumerated() {
                    group.addTask { (index, await delivery.deliverDue(now: Date())) }
                }
                return await group.reduce(into: [(Int, Delivery.Report)]()) { $0.append($1) }
            }
            for (index, report) in reports { shares[index] += report.delivered }
        }
        let elapsed = (ContinuousClock.now - start).secondsValue
        for store in stores { await store.close() }
        return (elapsed, shares)
    }
}
