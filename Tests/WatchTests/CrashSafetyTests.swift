import Foundation
import Infinipost
import Sandbox
import TestSupport
import Testing
@testable import Watch

#if canImport(Glibc)
import Glibc
#endif

/// Runs cycles and deliveries in a child process (`postwatch-bench watch-crash-child`) against a
/// sandbox in this process, kills it with SIGKILL at random points, restarts it, and checks the
/// store and the deliveries against the sandbox's own record of transitions.
@Suite struct CrashSafetyTests {
    /// Kills in CI: each is one restart of the child; the whole test stays under ~30 s.
    static let kills = 20

    @Test func noEventLostNoneQueuedTwiceDeliveredAtLeastOnce() async throws {
        let bench = try Self.benchBinary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watch-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let statePath = dir.appendingPathComponent("state.sqlite").path
        let deliveriesPath = dir.appendingPathComponent("deliveries.txt").path
        var configuration = SandboxServer.testConfiguration(posts: 300, seed: UInt64.random(in: 1...1_000_000))
        configuration.newPostsPerTick = 2
        let server = try await SandboxServer.start(configuration)
        defer { Task { await server.shutdown() } }
        let arguments = [
            "watch-crash-child", "--api-url", server.baseURL, "--api-key", server.apiKey,
            "--state", statePath, "--deliveries", deliveriesPath,
        ]
        let log = dir.appendingPathComponent("child.log").path
        FileManager.default.createFile(atPath: log, contents: nil)

        // The baseline, before anything moves: every later sandbox transition is after it.
        try await Self.run(bench, arguments + ["--cycles", "1"], log: log)

        // Move the lifecycle while the child runs, and kill it at random points.
        let ticker = Task {
            while !Task.isCancelled {
                server.sandbox.tick()
                try? await Task.sleep(for: .milliseconds(40))
            }
        }
        for _ in 0..<Self.kills {
            let child = try Self.start(bench, arguments, log: log)
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700)))
            kill(child.processIdentifier, SIGKILL)
            try await child.exited()
        }
        ticker.cancel()
        _ = await ticker.result
        // Quiet cycles to finish: the store must then agree with the sandbox.
        try await Self.run(bench, arguments + ["--cycles", "2"], log: log)

        let store = try SQLiteStore(path: statePath)
        let events = try await store.events(after: 0, limit: 1_000_000).map(\.event)
        let transitions = server.sandbox.transitions()
        #expect(!transitions.isEmpty)
        #expect(!events.isEmpty)

        // Per post: the sandbox's history of statuses (nil = did not exist yet) and our events.
        var history: [String: [String]] = [:]
        for transition in transitions {
            if history[transition.postId] == nil {
                history[transition.postId] = [transition.from?.rawValue ?? Event.newStatus]
            }
            history[transition.postId]?.append(transition.to?.rawValue ?? Event.deletedStatus)
        }
        var byPost: [String: [Event]] = [:]
        for event in events where event.kind != .overdue { byPost[event.post.postId, default: []].append(event) }

        let final = Dictionary(uniqueKeysWithValues: server.sandbox.posts().map { ($0.postId, $0.status.rawValue) })
        for (postId, statuses) in history {
            let chain = byPost[postId] ?? []
            let finalStatus = final[postId] ?? Event.deletedStatus
            if statuses.first == finalStatus { continue }
            // Not lost: the events lead from where the sandbox started it to where it is now.
            #expect(chain.first?.from == statuses.first, "post \(postId): \(statuses) vs \(chain.map(\.summary))")
            #expect(chain.last?.to == finalStatus, "post \(postId): \(statuses) vs \(chain.map(\.summary))")
            // Contiguous (a repeated event would break it) and following the sandbox's order.
            var position = 0
            for (index, event) in chain.enumerated() {
                if index > 0 { #expect(event.from == chain[index - 1].to, "post \(postId): \(chain.map(\.summary))") }
                let next = statuses[position...].firstIndex(of: event.to)
                #expect(next != nil, "post \(postId): \(event.summary) not in \(statuses)")
                position = next ?? position
            }
        }
        // Posts the sandbox never moved have no event.
        for postId in byPost.keys { #expect(history[postId] != nil, "post \(postId) never moved") }

        // Queued exactly once, delivered at least once, duplicates only for a delivery in flight.
        let outbox = try await store.entries(in: nil, limit: 1_000_000)
        let keys = events.map(PerEventRouter.key(for:))
        #expect(outbox.count == events.count)
        #expect(Set(outbox.map(\.draft.idempotencyKey)) == Set(keys))
        #expect(outbox.allSatisfy { $0.state == .delivered })
        let lines = try String(contentsOfFile: deliveriesPath, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Set(lines) == Set(keys))
        let duplicates = lines.count - Set(lines).count
        #expect(duplicates <= Self.kills, "\(duplicates) duplicate deliveries for \(Self.kills) kills")
        let cycles = try await store.cycles(limit: 100_000)
        print("crash test: \(Self.kills) kills, \(transitions.count) sandbox transitions, \(events.count) events, "
            + "\(cycles.count) cycle records (\(cycles.filter { $0.result == .failed }.count) failed), "
            + "\(lines.count) deliveries (\(duplicates) in-flight duplicates)")
    }

    static func benchBinary() throws -> String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test runner may live inside `postwatchPackageTests.xctest/…`: walk up to the bin dir.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("postwatch-bench").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw ChildError(message: "postwatch-bench not built next to \(exe.path): run `swift build --build-tests` first")
    }

    static func start(_ binary: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let handle = FileHandle(fileDescriptor: open(log, O_WRONLY | O_APPEND), closeOnDealloc: true)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    static func run(_ binary: String, _ arguments: [String], log: String) async throws {
        let process = try start(binary, arguments, log: log)
        // Not `waitUntilExit()`: the child lists from the sandbox in this process, whose
        // handlers need the cooperative threads that call would hold.
        try await process.exited()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ChildError(message: "child exited \(process.terminationStatus): \(output.suffix(2000))")
        }
    }

    struct ChildError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
