import Foundation
import Testing
import TestSupport

/// High availability on PostgreSQL under faults (issue 17): three `postwatch run` replicas, a
/// PostgreSQL cluster of their own, the sandbox changing under them and real receivers; the
/// leader SIGKILLed mid-cycle and mid-delivery, SIGSTOPped past its lease, one replica's
/// connections terminated, PostgreSQL restarted mid-cycle (``ChaosRun``). Nothing owed may be
/// lost, a duplicate must be the same notification, the shared rate limit must hold at the
/// receiver, and a stalled leader must neither commit nor send what it lost.
///
/// The default run injects each fault once (about a minute and a half). `POSTWATCH_CHAOS_SEED`
/// replays a seed (each run prints its own: the same history and faults, not the same timing);
/// `POSTWATCH_CHAOS_FAULTS=N` injects N faults (`make chaos` runs long ones).
///
/// Not in the default suite yet: with `pg_terminate_backend` on the leader's connections, the
/// leader kept renewing its lease but committed no cycle for 60 s and did not stop on SIGTERM
/// (seed 8; docs/ha.md, "Known problem"). Until that is fixed, the test runs when asked:
/// `make chaos`, or `POSTWATCH_CHAOS_FAULTS=5` for one fault of each kind.
@Suite(
    .serialized,
    .enabled(if: PostgresServer.shouldTest && ProcessInfo.processInfo.environment["POSTWATCH_CHAOS_FAULTS"] != nil))
struct ChaosTests {
    @Test func threeReplicasLoseNothingThroughKillsStallsAndRestarts() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["POSTWATCH_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let faults = environment["POSTWATCH_CHAOS_FAULTS"].flatMap { Int($0) }
        print("chaos test: POSTWATCH_CHAOS_SEED=\(seed) POSTWATCH_CHAOS_FAULTS=\(faults.map(String.init) ?? "(each kind once)")")
        var options = ChaosRun.Options(seed: seed, faults: faults)
        // Long runs wait the claim lease out for real; the short one ages claims (ChaosRun.Options).
        options.ageClaims = environment["POSTWATCH_CHAOS_AGE_CLAIMS"].map { $0 == "1" } ?? (faults == nil)
        let run = try await ChaosRun.start(options)
        let history: ChaosHistory
        do {
            history = try await run.play()
            try await run.settle(history, timeout: .seconds(options.ageClaims ? 60 : options.claimLeaseSeconds + 60))
        } catch {
            let logs = try? await run.finish().logs
            let senders = Dictionary(grouping: run.receivers.arrivals, by: { $0.sender ?? "?" }).mapValues(\.count)
            Issue.record(
                """
                seed \(seed): the run stopped: \(error)
                faults before: \(run.records.map(\.description).joined(separator: "\n"))
                sends by replica: \(senders.sorted { $0.key < $1.key }); unattributed: \(run.receivers.unattributed)
                logs: \(Self.keep(logs ?? [:], seed: seed))
                """)
            return
        }
        let (owed, breaches) = history.owed(run.sandbox.transitions())
        let comparison = ChaosComparison(owed: owed, arrivals: run.receivers.arrivals)
        let rates = ChaosReceivers.hooks.keys.sorted().map {
            (path: $0, run.receivers.rateBreaches(
                path: $0, perSecond: ChaosRun.hookRate.perSecond, burst: ChaosRun.hookRate.burst, tolerance: 0.5))
        }
        let committed = ChaosComparison.committed(owed: owed, events: try await run.committedEvents())
        let pending = try await run.outbox("pending")
        let dead = try await run.outbox("dead")
        let arrivals = run.receivers.arrivals
        let (statuses, logs) = try await run.finish()

        let failovers = run.records.compactMap(\.takeover).sorted()
        print("""
            chaos test, seed \(seed): \(history.steps) history steps (\(history.failureBursts) bursts of failures), \
            \(owed.count) events owed (\(owed.filter { $0.to == "failed" }.count) failed, \
            \(owed.filter { $0.to == "posted" }.count) posted, \(owed.filter { $0.to == "deleted" }.count) deleted)
            received: \(comparison.received) accepted requests of \(arrivals.count); lost \(comparison.lost.count), \
            duplicates under one key \(comparison.duplicates), under different keys \(comparison.differentKeys.count); \
            events the store recorded other than once as owed: \(committed.count)
            sends by replica: \(Dictionary(grouping: arrivals, by: { $0.sender ?? "?" }).mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            hooks (1/s, burst 3): \(rates.map { "\($0.path) peak \($0.1.peak) in 1 s, \($0.1.breaches.count) breaches" }.joined(separator: "; "))
            two replicas saying they lead in one sample: \(run.replicas.overlaps) time(s)
            faults:
            \(run.records.map { "  \($0)" }.joined(separator: "\n"))
            failover (leader SIGKILLed or SIGSTOPped → another leads): \(Self.percentiles(failovers))
            logs: \(Self.keep(logs, seed: seed))
            """)

        for breach in breaches { Issue.record("seed \(seed): the history broke its own rule: \(breach)") }
        for discrepancy in comparison.discrepancies.prefix(30) { Issue.record("seed \(seed): \(discrepancy)") }
        for problem in committed.prefix(30) { Issue.record("seed \(seed): \(problem)") }
        for (path, rate) in rates { for breach in rate.breaches.prefix(5) { Issue.record("seed \(seed): rate limit exceeded at \(path): \(breach)") } }
        for send in run.staleSends { Issue.record("seed \(seed): \(send)") }
        for problem in run.problems { Issue.record("seed \(seed): \(problem)") }
        for unreadable in run.receivers.unreadable.prefix(5) { Issue.record("seed \(seed): unreadable request \(unreadable)") }
        #expect(pending.isEmpty && dead.isEmpty, "seed \(seed): left in the outbox:\n\((pending + dead).joined(separator: "\n"))")
        for (id, status) in statuses.sorted(by: { $0.key < $1.key }) {
            #expect(status == 0, "seed \(seed): replica \(id) exited \(status) on SIGTERM")
        }
        #expect(!owed.isEmpty, "seed \(seed): the history owed nothing: the run proved nothing")
    }

    /// `p50 … s, max … s over N`.
    static func percentiles(_ sorted: [Double]) -> String {
        guard let max = sorted.last else { return "none measured" }
        return String(format: "p50 %.2f s, max %.2f s over %d", sorted[sorted.count / 2], max, sorted.count)
    }

    /// Writes each replica's log to `$TMPDIR/postwatch-chaos-SEED/ID.log`; returns the folder.
    static func keep(_ logs: [String: String], seed: UInt64) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-chaos-\(seed)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (id, log) in logs { try? log.write(to: folder.appendingPathComponent("\(id).log"), atomically: true, encoding: .utf8) }
        return folder.path
    }
}
