import Foundation
import Synchronization
import TestSupport

/// The replicas of a chaos run, and a thread of its own that reads every running replica's
/// `/metrics` every 100 ms: who leads, under which epoch, how many cycles each committed.
///
/// A replica killed is replaced by a new one with a new id (`r4`, `r5`…), as a Deployment
/// replaces a pod: never the same id twice, so no new process can pass for a dead one's lease.
final class ReplicaSet: Sendable {
    /// A replica seen leading under an epoch for the first time.
    struct Takeover: Sendable {
        var at: Double
        var id: String
        var epoch: Int64
    }

    let started: ContinuousClock.Instant
    /// Starts `postwatch run` for a replica id and metrics port.
    private let launcher: @Sendable (String, Int) throws -> LiveProcess
    private let state = Mutex<(replicas: [Replica], count: Int, done: Bool, takeovers: [Takeover], overlaps: Int)>(([], 0, false, [], 0))

    init(started: ContinuousClock.Instant, launcher: @escaping @Sendable (String, Int) throws -> LiveProcess) {
        self.started = started
        self.launcher = launcher
    }

    /// Seconds since the run started.
    var now: Double { (ContinuousClock.now - started).secondsValue }

    /// Starts one more replica.
    @discardableResult
    func launch() throws -> Replica {
        let id = "r\(state.withLock { $0.count += 1; return $0.count })"
        let port = try Net.freePort()
        let replica = Replica(id: id, metricsPort: port, process: try launcher(id, port))
        state.withLock { $0.replicas.append(replica) }
        return replica
    }

    /// Every replica ever started, killed ones included.
    var all: [Replica] { state.withLock { $0.replicas } }
    var running: [Replica] { all.filter { $0.condition == .running } }
    /// Each replica's id and process id, for telling senders apart.
    var processes: [(id: String, pid: Int32)] { all.map { ($0.id, $0.pid) } }
    var takeovers: [Takeover] { state.withLock { $0.takeovers } }
    /// Samples in which two running replicas both said they lead (a stale one that has not yet
    /// noticed; harmless while the store fences it, counted for the figures).
    var overlaps: Int { state.withLock { $0.overlaps } }

    /// The running replica that says it leads (the highest epoch if two do).
    var leader: Replica? {
        running.filter { $0.last?.leader == true }.max { ($0.last?.epoch ?? 0) < ($1.last?.epoch ?? 0) }
    }

    /// Cycles committed by the replicas running now.
    var cycles: Int { running.reduce(0) { $0 + ($1.last?.cycles ?? 0) } }

    /// Starts the sampling thread; it ends with `finish()`.
    func startSampling() {
        Thread.detachNewThread { [self] in
            while !state.withLock({ $0.done }) {
                let time = now
                let leading = running.compactMap { replica in replica.sample(at: time).map { (replica.id, $0) } }.filter(\.1.leader)
                state.withLock { state in
                    if leading.count > 1 { state.overlaps += 1 }
                    for (id, sample) in leading where !state.takeovers.contains(where: { $0.epoch == sample.epoch }) {
                        state.takeovers.append(Takeover(at: sample.at, id: id, epoch: sample.epoch))
                    }
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// Waits until a running replica other than `excluded` leads under an epoch above `epoch`;
    /// returns it and when it was first seen leading.
    func waitForLeader(excluding excluded: String? = nil, epochAbove epoch: Int64 = 0, timeout: Duration) async throws
        -> (replica: Replica, at: Double)
    {
        var found: (Replica, Double)?
        try await waitUntil("a replica other than \(excluded ?? "none") leading above epoch \(epoch)", timeout: timeout, every: .milliseconds(50)) {
            guard let takeover = takeovers.first(where: { $0.epoch > epoch && $0.id != excluded }),
                let replica = running.first(where: { $0.id == takeover.id })
            else { return false }
            found = (replica, takeover.at)
            return true
        }
        return found!
    }

    /// Waits until the running replicas committed `count` more cycles than `from`; returns when.
    func waitForCycles(_ count: Int, from: Int, timeout: Duration) async throws -> Double {
        try await waitUntil("\(count) more cycles", timeout: timeout, every: .milliseconds(50)) { cycles >= from + count }
        return now
    }

    /// Stops sampling and ends every replica still there: SIGCONT for a stopped one, then
    /// SIGTERM; returns the exit status of each replica that was running.
    func finish() async throws -> [String: Int32] {
        state.withLock { $0.done = true }
        var statuses: [String: Int32] = [:]
        for replica in all where replica.condition != .killed {
            if replica.condition == .stopped { replica.resume() }
            replica.process.signal(SIGTERM)
        }
        for replica in all where replica.condition != .killed {
            // One that does not exit is killed and reported (-1), the others' logs still kept.
            statuses[replica.id] = (try? await replica.process.waitForExit(timeout: .seconds(30))) ?? -1
        }
        return statuses
    }
}
