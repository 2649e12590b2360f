import Foundation
import Sandbox
import Synchronization
import TestSupport

/// The chaos test of issue 17: three `postwatch run` replicas sharing a PostgreSQL cluster of
/// their own (it gets restarted), polling the sandbox while a seeded history changes it, and
/// delivering to real receivers, while faults hit the leader, one replica's connections and the
/// database. Afterwards the receivers are compared with what the sandbox's record of
/// transitions obliges (``ChaosHistory``): nothing lost, duplicates only under one idempotency
/// key, the shared rate limit never exceeded, no stalled replica sending what it lost.
final class ChaosRun {
    struct Options: Sendable {
        var seed: UInt64
        /// Faults to inject; nil: each kind once (the short run of the default suite).
        var faults: Int?
        var interval = "2s"
        var lease = "3s"
        var leaseSeconds = 3.0
        /// How long a replica's claim on an outbox entry lasts (`PostgresConfiguration.claimLease`).
        var claimLeaseSeconds = 60.0
        /// Age a killed or stalled replica's claims in the database instead of waiting the
        /// claim lease out: the rows then hold what the expiry would leave (`claim_until` in
        /// the past), a minute sooner. The short run does; long runs wait for real.
        var ageClaims = true
        /// Seconds between two history steps.
        var stepSeconds = 0.3
    }

    /// The rate limit of the hooks (Slack-compatible channels: `RateLimit.slackCompatible`).
    static let hookRate = (perSecond: 1.0, burst: 3)

    static let rules = """
        channel audit = webhook env:AUDIT_HOOK
        channel ops   = slack env:OPS_HOOK layout text
        channel ops2  = slack env:OPS2_HOOK layout text

        rule "Failed" {
          when failed
          notify audit, ops
          group by postId
          severity critical
        }

        rule "Posted" {
          when * -> posted
          notify audit, ops2
          group by postId
          severity info
        }

        rule "Deleted" {
          when deleted
          notify audit
          group by postId
          severity info
        }
        """

    let options: Options
    let started = ContinuousClock.now
    let postgres: PostgresServer
    let database: String
    let stateURL: String
    let server: SandboxServer
    let receivers: ChaosReceivers
    let replicas: ReplicaSet
    let workspace: Workspace
    let binary: PostwatchBinary
    private var random: SeededRandom
    private(set) var records: [FaultRecord] = []
    /// Sends a replica made after SIGCONT of notifications another replica delivered while it
    /// was stopped: each one a claim it lost and sent anyway.
    private(set) var staleSends: [String] = []
    /// Problems seen while faults were injected (a replica that died by itself, a commit by a
    /// fenced replica).
    private(set) var problems: [String] = []

    static func start(_ options: Options) async throws -> ChaosRun {
        var random = SeededRandom(seed: options.seed)
        let postgres = try await PostgresServer.start()
        let database = try await postgres.createDatabase()
        let server = try await SandboxServer.start(SandboxServer.testConfiguration(posts: 60, seed: random.next()))
        // Every request waits a little: a cycle lists for a while, so "mid-cycle" is a moment.
        server.sandbox.faults = SandboxFaults(latency: .milliseconds(100))
        let workspace = try Workspace()
        try workspace.writeRules(rules)
        return try ChaosRun(
            options: options, random: random, postgres: postgres, database: database, server: server, workspace: workspace)
    }

    private init(
        options: Options, random: SeededRandom, postgres: PostgresServer, database: String, server: SandboxServer,
        workspace: Workspace
    ) throws {
        self.options = options
        var random = random
        self.postgres = postgres
        self.database = database
        let stateURL = postgres.url(database: database)
        self.stateURL = stateURL
        self.server = server
        self.workspace = workspace
        let binary = try PostwatchBinary()
        self.binary = binary
        let receivers = try ChaosReceivers(seed: random.next(), started: started)
        self.receivers = receivers
        let environment = [
            "INFINIPOST_API_KEY": server.apiKey, "AUDIT_HOOK": receivers.url(ChaosReceivers.audit),
            "OPS_HOOK": receivers.url("/ops"), "OPS2_HOOK": receivers.url("/ops2"),
        ]
        let arguments = [
            "run", "--api-url", server.baseURL, "--rules", workspace.rules, "--state", stateURL, "--interval", options.interval,
            "--lease", options.lease,
        ]
        let directory = workspace.path
        let replicas = ReplicaSet(started: started) { id, port in
            try LiveProcess(
                binary, arguments + ["--replica-id", id, "--metrics-address", "127.0.0.1:\(port)"], environment: environment,
                directory: directory)
        }
        self.replicas = replicas
        self.random = random
        receivers.tellSenders { replicas.processes }
    }

    var now: Double { replicas.now }
    var sandbox: Sandbox { server.sandbox }

    // MARK: Playing

    /// Starts three replicas, waits for the baseline, then changes the sandbox while the
    /// faults are injected one after the other; returns the history once every change is made.
    func play() async throws -> ChaosHistory {
        for _ in 0..<3 { try replicas.launch() }
        replicas.startSampling()
        _ = try await currentLeader()
        _ = try await replicas.waitForCycles(1, from: 0, timeout: .seconds(60))
        let plan = ChaosFault.plan(count: options.faults, random: &random)
        let stop = StopFlag()
        let seed = random.next()
        let history = Task { [sandbox = server.sandbox, step = options.stepSeconds] in
            var history = ChaosHistory(seed: seed, sandbox: sandbox)
            while !stop.isSet {
                history.step(sandbox)
                try? await Task.sleep(for: .milliseconds(Int(step * 1000)))
            }
            return history
        }
        do {
            for fault in plan {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1500...3000, using: &random)))
                records.append(try await inject(fault))
                try await recover()
            }
        } catch {
            stop.set()
            _ = await history.value
            throw error
        }
        stop.set()
        return await history.value
    }

    /// Three replicas running again, one of them leading and committing.
    private func recover() async throws {
        while replicas.all.filter({ $0.condition != .killed }).count < 3 { try replicas.launch() }
        for replica in replicas.running where !replica.process.process.isRunning {
            problems.append("replica \(replica.id) exited by itself:\n\(replica.process.stderr.suffix(3000))")
            replica.kill()
            try replicas.launch()
        }
        _ = try await currentLeader()
        _ = try await replicas.waitForCycles(1, from: replicas.cycles, timeout: .seconds(60))
    }

    /// The replica leading now (waiting for one).
    private func currentLeader() async throws -> Replica {
        var leader: Replica?
        try await waitUntil("a leader", timeout: .seconds(60), every: .milliseconds(50)) {
            leader = replicas.leader
            return leader != nil
        }
        return leader!
    }

    private func inject(_ fault: ChaosFault) async throws -> FaultRecord {
        let leader = try await currentLeader()
        let epoch = leader.last?.epoch ?? 0
        var record = FaultRecord(fault: fault, at: now, target: leader.id)
        switch fault {
        case .killLeaderMidCycle:
            try await waitMidCycle()
            record.at = now
            leader.kill()
        case .killLeaderMidDelivery:
            receivers.setSlowAudit(true)
            defer { receivers.setSlowAudit(false) }
            let since = now
            try await waitUntil("a send of the leader \(leader.id)", timeout: .seconds(60), every: .milliseconds(5)) {
                receivers.arrivals.contains { $0.sender == leader.id && $0.at >= since && $0.path == ChaosReceivers.audit }
            }
            record.at = now
            leader.kill()
        case .stopLeaderPastLease:
            try await stopPastLease(leader, record: &record)
        case .terminateConnections:
            let target = random.chance(0.5) ? leader : replicas.running.randomElement(using: &random) ?? leader
            record.target = target.id
            let cycles = replicas.cycles
            record.at = now
            let count = try await postgres.terminateBackends(applicationName: "postwatch \(target.id)")
            record.note = "\(count) connections ended"
            record.recovery = try await replicas.waitForCycles(1, from: cycles, timeout: .seconds(60)) - record.at
            try await Task.sleep(for: .seconds(1))
            if !target.process.process.isRunning { problems.append("\(target.id) exited after losing its connections") }
            return record
        case .restartPostgres:
            try await waitMidCycle()
            let cycles = replicas.cycles
            record.at = now
            try await postgres.restart()
            record.note = String(format: "down for %.2f s", now - record.at)
            record.recovery = try await replicas.waitForCycles(1, from: cycles, timeout: .seconds(60)) - record.at
            return record
        }
        let (next, at) = try await replicas.waitForLeader(excluding: leader.id, epochAbove: epoch, timeout: .seconds(60))
        record.takeover = at - record.at
        if fault != .stopLeaderPastLease, options.ageClaims {
            record.note = "\(try await ageClaims(of: leader)) claims aged"
        }
        let cycles = next.last?.cycles ?? 0
        try await waitUntil("a cycle of the new leader \(next.id)", timeout: .seconds(60), every: .milliseconds(50)) {
            (next.last?.cycles ?? 0) > cycles || next.condition != .running
        }
        record.recovery = now - record.at
        return record
    }

    /// SIGSTOP mid-cycle, past the lease and the claims' lease; SIGCONT; then watch what the
    /// stale replica does for a few seconds.
    private func stopPastLease(_ leader: Replica, record: inout FaultRecord) async throws {
        try await waitMidCycle()
        let cyclesBefore = leader.last?.cycles ?? 0
        let stderrBefore = leader.process.stderr.count
        record.at = now
        leader.pause()
        try await Task.sleep(for: .seconds(options.leaseSeconds + 1.5))
        var aged = 0
        if options.ageClaims {
            aged = try await ageClaims(of: leader)
        } else {
            try await Task.sleep(for: .seconds(max(0, options.claimLeaseSeconds - options.leaseSeconds)))
        }
        // Time for the others to claim what it held and deliver it (their delivery polls every second).
        try await Task.sleep(for: .seconds(3))
        let deliveredMeanwhile = Set(receivers.arrivals.filter { $0.accepted && $0.sender != leader.id && $0.at >= record.at }.map(\.key))
        let resumed = now
        leader.resume()
        try await Task.sleep(for: .seconds(4))
        for arrival in receivers.arrivals where arrival.sender == leader.id && arrival.at > resumed && deliveredMeanwhile.contains(arrival.key) {
            staleSends.append(String(format: "%.2f s: %@ sent %@ again after SIGCONT: %@", arrival.at, leader.id, arrival.path, arrival.key.prefix(120) + ""))
        }
        let after = leader.last
        if let after, after.cycles > cyclesBefore, !after.leader {
            problems.append("\(leader.id) committed \(after.cycles - cyclesBefore) cycle(s) after SIGCONT while not leading")
        }
        let log = String(leader.process.stderr.dropFirst(stderrBefore))
        record.note = (options.ageClaims ? "\(aged) claims aged; " : "") + (log.contains("fenced") ? "its log after SIGCONT says it was fenced" : "no fence message in its log after SIGCONT")
    }

    /// Ends `replica`'s claims on pending entries as their lease running out would; returns how many.
    private func ageClaims(of replica: Replica) async throws -> Int {
        // A store without claims (before schema 3) has nothing to age.
        guard let count = try? await postgres.psql(
            """
            WITH aged AS (UPDATE outbox SET claim_until = 0 WHERE claimed_by = '\(replica.id)' AND state = 'pending' RETURNING 1)
            SELECT COUNT(*) FROM aged
            """, database: database)
        else { return 0 }
        return Int(count) ?? 0
    }

    /// Returns once the leader's cycle has a listing request in flight at the sandbox.
    private func waitMidCycle() async throws {
        let count = sandbox.requests().count
        try await waitUntil("a listing request", timeout: .seconds(30), every: .milliseconds(5)) { sandbox.requests().count > count }
    }

    // MARK: Settling

    /// After the last change: waits for two complete cycles (a deletion needs two snapshots
    /// without the post), then until every owed notification arrived and nothing is pending,
    /// or `timeout` (what is missing is then reported by the comparison).
    func settle(_ history: ChaosHistory, timeout: Duration) async throws {
        _ = try await replicas.waitForCycles(3, from: replicas.cycles, timeout: .seconds(60))
        let owed = history.owed(sandbox.transitions()).owed
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let comparison = ChaosComparison(owed: owed, arrivals: receivers.arrivals)
            if comparison.lost.isEmpty, try await outbox("pending").isEmpty { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// The rows of `postwatch outbox list --only STATE` on the shared store.
    func outbox(_ state: String) async throws -> [String] {
        let result = try await binary.run(["outbox", "list", "--state", stateURL, "--only", state], directory: workspace.path)
        return result.stdout.split(separator: "\n").map(String.init).filter { row in
            ["Failed", "Posted", "Deleted"].contains { row.contains($0) }
        }
    }

    /// How many times the store recorded each event of a final status or a deletion: what the
    /// leaders committed, whoever they were (a stale leader's commit would show twice).
    func committedEvents() async throws -> [ChaosHistory.Owed: Int] {
        let rows = try await postgres.psql(
            """
            SELECT post_id, CASE WHEN kind = 'deleted' THEN 'deleted' ELSE to_status END, COUNT(*) FROM events
            WHERE kind = 'deleted' OR to_status IN ('failed', 'posted') GROUP BY 1, 2
            """, database: database)
        var events: [ChaosHistory.Owed: Int] = [:]
        for row in rows.split(separator: "\n") {
            let cells = row.split(separator: "|").map(String.init)
            guard cells.count == 3, let count = Int(cells[2]) else { throw TestSupportError("unreadable events row '\(row)'") }
            events[ChaosHistory.Owed(postId: cells[0], to: cells[1])] = count
        }
        return events
    }

    /// Ends the replicas, the sandbox, the receivers and the cluster; returns each replica's
    /// exit status and its log.
    func finish() async throws -> (statuses: [String: Int32], logs: [String: String]) {
        let statuses = try await replicas.finish()
        let logs = Dictionary(uniqueKeysWithValues: replicas.all.map { ($0.id, $0.process.stderr) })
        receivers.receiver.stop()
        await server.shutdown()
        try? await postgres.stop()
        workspace.remove()
        return (statuses, logs)
    }
}

/// Set once, read from another task.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
