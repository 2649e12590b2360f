import Foundation
import Infinipost
import Sandbox
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One model run: a seeded history played against a real sandbox, receivers and `postwatch`
/// processes (`check` cycles, some killed with SIGKILL), with the reference model fed every
/// snapshot postwatch committed; at the end the deliveries are compared with the model.
final class ModelRun {
    /// What a run did and found, for the test's report and docs/testing.md.
    struct Figures: CustomStringConvertible {
        var seed: UInt64
        var steps = 0
        var mutations = 0
        var cycles = 0
        var committed = 0
        var aborted = 0
        var kills = 0
        var faults = 0
        var events = 0
        var expected = 0
        var received = 0
        var duplicates = 0
        var webhookAnswers: [String: Int] = [:]
        var seconds = 0.0

        var description: String {
            let answers = webhookAnswers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return """
                model run seed \(seed): \(steps) steps (\(mutations) sandbox changes), \(cycles) cycles \
                (\(committed) committed, \(aborted) aborted by API faults, \(kills) killed), \(faults) API faults injected, \
                \(events) events, \(expected) (rule, channel, event) notifications compared, \(received) deliveries received \
                (\(duplicates) repeated under their key), webhook answers [\(answers)], \(String(format: "%.1f", seconds)) s
                """
        }
    }

    let fixture: Fixture
    let log = DeliveryLog()
    let webhooks: FlakyWebhooks
    var generator: HistoryGenerator
    var model = ReferenceModel()
    var figures: Figures
    /// Disagreements seen while running (exit codes, aborts); the delivery comparison adds its own.
    var discrepancies: [String] = []
    /// Cycles whose alerting posts differ from the model's only by posts of the known
    /// undocumented-value limitation.
    var undocumentedValueDiscrepancies: [String] = []
    /// A fault queued for a cycle that was killed before asking may still wait for the next one.
    private var faultsMayLinger = false

    init(fixture: Fixture, seed: UInt64, steps: Int) {
        self.fixture = fixture
        var random = SeededRandom(seed: seed)
        let paths = ModelRules.webhookPaths.reduce(into: ["/hooks/\(fixture.secrets.hookToken)": "failures"]) {
            $0[$1.value] = $1.key
        }
        // The receiver draws from its own generator: how many numbers one side draws never shifts the other.
        webhooks = FlakyWebhooks(random: SeededRandom(seed: random.next()), log: log, channels: paths)
        generator = HistoryGenerator(random: random, steps: steps)
        figures = Figures(seed: seed)
        webhooks.install(on: fixture.receiver)
    }

    /// The channel URLs beside the fixture's own environment (HOOK is the `failures` channel).
    var environment: [String: String] {
        fixture.environment.merging(ModelRules.webhookPaths.map { (name, path) in
            (name.uppercased() + "_HOOK", fixture.receiver.url(path))
        }) { $1 }
    }

    func check(deliveryTimeout: String) -> [String] {
        ["check"] + fixture.common + ["--delivery-timeout", deliveryTimeout]
    }

    /// Plays the whole history, then lets every held and pending notification go out.
    func play() async throws {
        let started = ContinuousClock.now
        try fixture.workspace.writeRules(ModelRules.text)
        while !generator.isFinished {
            if case .cycle(let plan) = generator.next(fixture.sandbox) {
                try await cycle(plan)
            }
        }
        try await flush()
        figures.steps = generator.step
        figures.mutations = generator.mutations
        figures.kills = generator.kills
        figures.faults = generator.faultsInjected
        figures.events = model.eventCount
        figures.webhookAnswers = webhooks.answers
        figures.seconds = (ContinuousClock.now - started).secondsValue
    }

    /// Runs one `postwatch check` under `plan`; feeds the model when the cycle committed.
    func cycle(_ plan: HistoryGenerator.CyclePlan, deliveryTimeout: String = "2s") async throws {
        figures.cycles += 1
        let sandbox = fixture.sandbox
        sandbox.enqueueFaults(plan.apiFaults)
        sandbox.faults = SandboxFaults(failRate: plan.failRate, truncateRate: plan.truncateRate)
        webhooks.setFlaky(plan.flakyReceivers)
        defer { sandbox.faults = .none }
        // Nothing changes the sandbox while postwatch runs: this is the snapshot it can commit.
        let snapshot = Dictionary(uniqueKeysWithValues: sandbox.posts().map {
            ($0.postId, ReferenceModel.Seen(status: $0.status.rawValue, platform: $0.platform.rawValue, accountId: $0.accountId))
        })
        let before = try await committedCycles()
        var status: Int32?
        var output = ""
        if let delay = plan.killAfter {
            let requests = fixture.receiver.requests.count
            let process = try LiveProcess(
                fixture.binary, check(deliveryTimeout: deliveryTimeout), environment: environment,
                directory: fixture.workspace.path)
            if plan.killDuringDelivery {
                // Until a webhook arrives (the cycle committed and delivers), or there is nothing to send.
                let deadline = ContinuousClock.now + .seconds(5)
                while fixture.receiver.requests.count == requests, process.process.isRunning, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            try await Task.sleep(for: delay)
            process.signal(SIGKILL)
            _ = try await process.waitForExit()
            fixture.collect(process)
            if !plan.apiFaults.isEmpty { faultsMayLinger = true }
        } else {
            let result = try await fixture.run(check(deliveryTimeout: deliveryTimeout), environment: environment, timeout: .seconds(180))
            status = result.status
            output = result.output
        }
        // Whether a killed cycle's transaction committed can't be seen from outside: the one thing
        // read from the state file is how many cycles it recorded as complete.
        let after = try await committedCycles()
        let mayAbort = plan.mayAbort || faultsMayLinger
        if status != nil { faultsMayLinger = false }
        switch after - before {
        case 1:
            figures.committed += 1
            let events = model.apply(snapshot)
            guard let status else { return }
            // The posts rule A (critical) fired for, as `check` prints them, against the model's.
            let fired = Set(output.split(separator: "\n").filter { $0.contains(ModelRules.alerting) }.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("post_") }.map(String.init)
            })
            let expected = Set(events.filter { event in
                ModelRules.rules.contains { $0.name == ModelRules.alerting && $0.matches(event) }
            }.map(\.postId))
            if fired.isEmpty ? ![0, 4].contains(status) : status != 1 {
                discrepancies.append("cycle \(figures.cycles): exit \(status) with \(fired.count) alerting posts:\n\(output.suffix(2000))")
            }
            let differing = fired.symmetricDifference(expected)
            if !differing.isEmpty {
                let line = "cycle \(figures.cycles): rule \(ModelRules.alerting) fired for \(fired.sorted()), the model expects \(expected.sorted())"
                if differing.isSubset(of: model.sawUndocumentedValue) {
                    undocumentedValueDiscrepancies.append(line)
                } else {
                    discrepancies.append(line)
                }
            }
        case 0:
            if status == nil { return }
            figures.aborted += 1
            if status != 3 || !mayAbort {
                discrepancies.append("cycle \(figures.cycles) not applied (exit \(status ?? -1)) without a fault that may abort it:\n\(output.suffix(2000))")
            }
        default:
            discrepancies.append("cycle \(figures.cycles): \(after - before) cycles recorded by one check")
        }
    }

    /// Healthy peers, then cycles past the throttle window until nothing is pending: every held
    /// event must have gone out, every notification delivered, none dead.
    func flush() async throws {
        for round in 1...4 {
            try await Task.sleep(for: .milliseconds(ModelRules.throttleSeconds * 1000 + 300))
            try await cycle(HistoryGenerator.CyclePlan(), deliveryTimeout: "120s")
            let pending = try await outbox("pending")
            if round >= 3, pending.isEmpty { break }
            if round == 4, !pending.isEmpty { discrepancies.append("still pending after the flush:\n\(pending.joined(separator: "\n"))") }
        }
        let dead = try await outbox("dead")
        if !dead.isEmpty { discrepancies.append("dead notifications:\n\(dead.joined(separator: "\n"))") }
        for message in fixture.smtp?.messages ?? [] {
            log.recordEmail(channel: "mail", rule: "C deleted", text: message.text)
        }
    }

    /// The rows of `postwatch outbox list --only STATE`.
    func outbox(_ state: String) async throws -> [String] {
        let result = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state, "--only", state])
        return result.stdout.split(separator: "\n").map(String.init).filter { row in
            ModelRules.rules.contains { row.contains($0.name) }
        }
    }

    /// Complete (or baseline) cycles the state file records.
    func committedCycles() async throws -> Int {
        guard FileManager.default.fileExists(atPath: fixture.workspace.state) else { return 0 }
        let output = try await runTool(
            "/usr/bin/sqlite3", [fixture.workspace.state, "SELECT COUNT(*) FROM cycles WHERE result IN ('complete', 'baseline');"])
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        // No cycles table yet (a first check killed before its migration): nothing committed.
        if text.isEmpty { return 0 }
        guard let count = Int(text) else { throw TestSupportError("sqlite3 answered '\(text)' for the cycle count") }
        return count
    }

    /// Compares the deliveries with the model: every discrepancy, and apart those of the known
    /// undocumented-value limitation.
    func compare() -> (discrepancies: [String], undocumentedValue: [String]) {
        let comparison = ModelComparison(model: model, log: log)
        figures.expected = comparison.compared
        figures.received = comparison.received
        figures.duplicates = comparison.duplicates
        return (discrepancies + comparison.discrepancies, undocumentedValueDiscrepancies + comparison.undocumentedValueDiscrepancies)
    }
}
