import ArgumentParser
import Curl
import Foundation
import Infinipost
import TestSupport
import Watch

#if canImport(Glibc)
import Glibc
#endif

/// The process the Watch crash test kills: cycles and deliveries against a sandbox, forever
/// (or `--cycles` times). Hidden: it is a test fixture, not a benchmark.
///
/// Delivery is the minimal loop the test needs: each due entry's idempotency key is appended to
/// the `--deliveries` file (and fsync'd) before the entry is marked delivered, so a kill between
/// the two is exactly "a delivery in flight", the only duplicate allowed.
struct WatchCrashChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch-crash-child", abstract: "Crash-test child of WatchTests.", shouldDisplay: false)

    @Option var apiUrl: String
    @Option var apiKey: String
    @Option var state: String
    @Option var deliveries: String
    /// 0: until killed.
    @Option var cycles = 0
    @Option var partitioning = ListingPartitioning.status.rawValue

    func run() async throws {
        let store = try SQLiteStore(path: state)
        let client = InfinipostClient(
            configuration: InfinipostConfiguration(baseURL: apiUrl, apiKey: apiKey, retry: .none), transport: CurlTransport())
        let poller = Poller(
            listing: client, store: store, router: PerEventRouter(channel: "recorder"),
            configuration: PollerConfiguration(
                partitioning: ListingPartitioning(rawValue: partitioning) ?? .status, maxConcurrentListings: 4))
        let file = open(deliveries, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard file >= 0 else { throw ValidationError("cannot open \(deliveries)") }
        defer { close(file) }
        var done = 0
        while cycles == 0 || done < cycles {
            do {
                _ = try await poller.runOnce(now: Date())
            } catch {
                FileHandle.standardError.write(Data("cycle: \(error)\n".utf8))
            }
            for entry in try await store.due(at: Date(), limitPerChannel: 10_000) {
                let line = Array((entry.draft.idempotencyKey + "\n").utf8)
                let written = line.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
                guard written == line.count, fsync(file) == 0 else {
                    try await store.markFailed(entry.id, error: "recording failed", nextAttemptAt: Date(), at: Date())
                    continue
                }
                try await store.markDelivered(entry.id, at: Date())
            }
            done += 1
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
