import Foundation
import Sandbox
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

extension HABench {
    /// What one delivery run measured.
    struct DeliveryFigures {
        var messages: Int
        /// From the first request at any receiver to the last one.
        var seconds: Double
        /// Deliveries each replica counted (`postwatch_deliveries_total{result="delivered"}`).
        var byReplica: [Int]
    }

    /// `replicas` real `postwatch run` processes on the store `state`, rules that send every
    /// failed post to each of the receivers (one notification per post and receiver); after
    /// their baseline cycle, `messages / receivers` posts fail at once, and the time from the
    /// first to the last request at the receivers is measured (the cycle that queues them is
    /// not: it is the same whatever the number of replicas).
    func deliveryRun(replicas count: Int, state: String, receivers: [HTTPReceiver], folder: URL) async throws -> DeliveryFigures {
        let binary = try PostwatchBinary()
        let posts = max(1, messages / receivers.count)
        let configuration = SandboxConfiguration(
            initialPosts: posts * 8, apiKey: "bench-key", tick: nil, seed: 7, accounts: 6, newPostsPerTick: 0)
        let server = try await SandboxServer.start(configuration)
        defer { Task { await server.shutdown() } }
        let rules = folder.appendingPathComponent("rules-\(count)")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let names = receivers.indices.map { "hook\($0)" }
        let text = names.map { "channel \($0) = webhook env:\($0.uppercased())" }.joined(separator: "\n") + """

            rule "Failed" {
              when failed
              notify \(names.joined(separator: ", "))
              group by postId
            }
            """
        try text.write(to: rules.appendingPathComponent("bench.rules"), atomically: true, encoding: .utf8)
        var environment = ["INFINIPOST_API_KEY": "bench-key"]
        for (name, receiver) in zip(names, receivers) { environment[name.uppercased()] = receiver.url("/hook") }
        receivers.forEach { $0.clearRequests() }

        var daemons: [BenchDaemon] = []
        defer { daemons.forEach { $0.terminate() } }
        for index in 0..<count {
            var arguments = [
                "run", "--api-url", server.baseURL, "--rules", rules.path, "--state", state, "--interval", "1s",
                "--metrics-address", "127.0.0.1:\(try Socket.freePort())", "--log-level", "warning",
            ]
            if state.hasPrefix("postgres") { arguments += ["--lease", "1500ms", "--replica-id", "bench\(index)"] }
            daemons.append(try BenchDaemon(binary: binary, arguments: arguments, environment: environment, log: folder.appendingPathComponent("replica-\(count)-\(index).log")))
        }
        // The baseline: some replica committed a cycle (the metrics say so).
        do {
            var exited: Int32?
            try await waitUntil("a baseline cycle", timeout: .seconds(120), every: .milliseconds(100)) {
                // A replica that exited (a refused option, an unreachable store) ends the wait at once.
                if let gone = daemons.first(where: { !$0.process.isRunning }) {
                    exited = gone.process.terminationStatus
                    return true
                }
                return daemons.contains { ($0.metric(#"postwatch_cycles_total{result="ok"}"#) ?? 0) >= 1 }
            }
            if let exited { throw FixtureError("a replica exited (\(exited)) before its first cycle") }
        } catch {
            let logs = daemons.map { (try? String(contentsOf: $0.log, encoding: .utf8))?.suffix(1500) ?? "" }
            throw FixtureError("\(error); the replicas said:\n\(logs.joined(separator: "\n---\n"))")
        }
        let movable = server.sandbox.posts().filter { !$0.status.isFinal }.prefix(posts)
        guard movable.count == posts else { throw FixtureError("the sandbox has \(movable.count) posts to fail, \(posts) needed") }
        for post in movable { server.sandbox.setStatus(post.postId, to: .failed) }
        let total = posts * receivers.count
        var first: ContinuousClock.Instant?
        try await waitUntil("\(total) requests at the receivers", timeout: .seconds(600), every: .milliseconds(5)) {
            let received = receivers.reduce(0) { $0 + $1.requests.count }
            if received > 0, first == nil { first = ContinuousClock.now }
            return received >= total
        }
        let seconds = (ContinuousClock.now - first!).secondsValue
        // A moment for the last marks, then what each replica says it delivered.
        try await Task.sleep(for: .milliseconds(500))
        let byReplica = daemons.map { Int($0.metric(#"postwatch_deliveries_total{channel_kind="webhook",result="delivered"}"#) ?? 0) }
        return DeliveryFigures(messages: total, seconds: seconds, byReplica: byReplica)
    }
}

/// A `postwatch run` of the bench, its output in a file; its metrics read with curl.
struct BenchDaemon {
    let process: Process
    let metricsPort: Int
    let log: URL

    init(binary: PostwatchBinary, arguments: [String], environment: [String: String], log: URL) throws {
        process = try binary.start(arguments, environment: environment)
        self.log = log
        metricsPort = arguments.firstIndex(of: "--metrics-address").flatMap { Int(arguments[$0 + 1].split(separator: ":").last ?? "") } ?? 0
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// One value of its `/metrics` (`name{labels}` as printed), nil when absent or unreachable.
    func metric(_ name: String) -> Double? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-m", "2", "http://127.0.0.1:\(metricsPort)/metrics"]
        let output = Pipe()
        curl.standardOutput = output
        guard (try? curl.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    func terminate() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
