import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One `postwatch run` replica of a chaos run: its process, its id (`--replica-id`, so its
/// PostgreSQL connections are named `postwatch <id>`), its metrics port, and whether the test
/// has it running, stopped (SIGSTOP) or killed.
final class Replica: Sendable {
    enum Condition: Sendable { case running, stopped, killed }

    /// What its `/metrics` said at one moment.
    struct Sample: Sendable {
        var at: Double
        var leader: Bool
        var epoch: Int64
        /// Cycles it committed (`postwatch_cycles_total{result="ok"}`).
        var cycles: Int
    }

    let id: String
    let metricsPort: Int
    let process: LiveProcess
    private let state = Mutex<(condition: Condition, last: Sample?)>((.running, nil))

    init(id: String, metricsPort: Int, process: LiveProcess) {
        self.id = id
        self.metricsPort = metricsPort
        self.process = process
    }

    var pid: Int32 { process.process.processIdentifier }
    var condition: Condition { state.withLock { $0.condition } }
    /// Its last sample, taken while it was running.
    var last: Sample? { state.withLock { $0.last } }

    func kill() {
        process.signal(SIGKILL)
        state.withLock { $0 = (.killed, nil) }
    }

    func pause() {
        process.signal(SIGSTOP)
        state.withLock { $0 = (.stopped, nil) }
    }

    func resume() {
        state.withLock { $0.condition = .running }
        process.signal(SIGCONT)
    }

    /// Reads `/metrics` and keeps the answer; nil when it is not running or did not answer.
    /// Blocks for up to a second: call it from a thread of its own.
    @discardableResult
    func sample(at time: Double) -> Sample? {
        // A stopped process's listener still accepts (the kernel does), then never answers.
        guard condition == .running, process.process.isRunning,
            let text = Net.get(port: metricsPort, path: "/metrics", timeout: 1)?.body
        else { return nil }
        let values = Self.values(text)
        let sample = Sample(
            at: time, leader: values["postwatch_leader"] == 1, epoch: Int64(values["postwatch_lease_epoch"] ?? 0),
            cycles: Int(values[#"postwatch_cycles_total{result="ok"}"#] ?? 0))
        state.withLock { state in
            if state.condition == .running { state.last = sample }
        }
        return sample
    }

    /// `name{labels} value` lines of the Prometheus text format, by `name{labels}`.
    static func values(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }
}
