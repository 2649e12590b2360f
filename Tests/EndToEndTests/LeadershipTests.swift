import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Two `postwatch run` replicas on one PostgreSQL database (issue 17): one polls, the other
/// follows; the follower takes over when the leader is killed, and `check` refuses to poll
/// beside a live leader.
@Suite(.serialized, .enabled(if: PostgresServer.shouldTest))
struct LeadershipTests {
    static let interval = 5
    static let lease = 3

    /// The common options with `--state` on `url`.
    static func options(_ fixture: Fixture, state url: String) -> [String] {
        var options = fixture.common
        if let index = options.firstIndex(of: "--state") { options[index + 1] = url }
        return options
    }

    /// What `/readyz` of the replica whose metrics listen on `port` says: `leader`, `follower`,
    /// or nil while it does not answer 200.
    static func role(port: Int) -> String? {
        guard let answer = Net.get(port: port, path: "/readyz"), answer.status == 200 else { return nil }
        return answer.body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of a gauge without labels in the replica's `/metrics`.
    static func gauge(_ name: String, port: Int) -> Double? {
        Net.get(port: port, path: "/metrics")?.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.dropFirst(name.count + 1)) }
    }

    @Test func oneReplicaLeadsAndTheOtherTakesOverWithinTwoIntervalsOfItsDeath() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let server = PostgresServer.shared
        let url = server.url(database: try await server.createDatabase())
        let ports = [try Net.freePort(), try Net.freePort()]
        let replicas = try (0..<2).map { index in
            try fixture.start(
                ["run"] + Self.options(fixture, state: url) + [
                    "--interval", "\(Self.interval)s", "--lease", "\(Self.lease)s", "--replica-id", "replica-\(index)",
                    "--metrics-address", "127.0.0.1:\(ports[index])",
                ])
        }
        defer { replicas.forEach { $0.stop() } }

        // Exactly one leads, by /readyz and by the metrics.
        try await waitUntil("one leader and one follower", timeout: .seconds(60), every: .milliseconds(200)) {
            Set(ports.compactMap(Self.role)) == ["leader", "follower"]
        }
        let leaderIndex = Self.role(port: ports[0]) == "leader" ? 0 : 1
        let (leader, follower) = (replicas[leaderIndex], replicas[1 - leaderIndex])
        #expect(Self.gauge("postwatch_leader", port: ports[leaderIndex]) == 1)
        #expect(Self.gauge("postwatch_leader", port: ports[1 - leaderIndex]) == 0)
        #expect(Self.gauge("postwatch_lease_epoch", port: ports[leaderIndex]) == 1)
        try await leader.waitForStderr("the leader's baseline") { $0.contains("cycle complete") }
        // The follower lists nothing.
        #expect(!follower.stderr.contains("cycle complete"), "\(follower.stderr)")

        // `check` would be a second poller: refused, naming the leader.
        let refused = try await fixture.run(["check"] + Self.options(fixture, state: url))
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.stderr.contains("replica 'replica-\(leaderIndex)' holds the lease until"), "\(refused.stderr)")

        leader.signal(SIGKILL)
        let killed = ContinuousClock.now
        try await waitUntil("the follower to lead", timeout: .seconds(60), every: .milliseconds(100)) {
            Self.role(port: ports[1 - leaderIndex]) == "leader"
        }
        let takeover = ContinuousClock.now - killed
        #expect(takeover < .seconds(2 * Self.interval), "took over after \(takeover)")
        #expect(Self.gauge("postwatch_lease_epoch", port: ports[1 - leaderIndex]) == 2)

        // The new leader polls and alerts.
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let requests = try await fixture.receiver.waitForRequests(count: 1, timeout: .seconds(60))
        #expect(requests.first?.text.contains(post.postId) == true)
        #expect(follower.stderr.contains("leading: this replica polls"), "\(follower.stderr)")

        // The commands that read or edit a daemon's state work on the shared one.
        let outbox = try await fixture.run(["outbox", "list", "--state", url])
        #expect(outbox.status == 0 && outbox.stdout.contains("Failed posts"), "\(outbox.output)")
        let history = try await fixture.run(["history", "--post", post.postId, "--state", url])
        #expect(history.status == 0 && history.stdout.contains(post.postId), "\(history.output)")
        let silenced = try await fixture.run([
            "silence", "add", #"postId = "nope""#, "--for", "1h", "--comment", "shared", "--author", "ana", "--state", url,
        ])
        #expect(silenced.status == 0, "\(silenced.output)")
        let silences = try await fixture.run(["silence", "list", "--state", url])
        #expect(silences.status == 0 && silences.stdout.contains("shared"), "\(silences.output)")

        // A graceful stop gives the lease up: `check` runs at once.
        follower.signal(SIGTERM)
        #expect(try await follower.waitForExit(timeout: .seconds(30)) == 0, "\(follower.stderr)")
        #expect(follower.stderr.contains("lease released"), "\(follower.stderr)")
        let check = try await fixture.run(["check"] + Self.options(fixture, state: url))
        #expect(check.status == 0 || check.status == 1, "\(check.output)")
        replicas.forEach(fixture.collect)
        await fixture.finish()
    }

    @Test func aLeaseOfTwoIntervalsIsRefused() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let url = PostgresServer.shared.url(database: "unused")
        let result = try await fixture.run(
            ["run"] + Self.options(fixture, state: url) + ["--interval", "10s", "--lease", "20s", "--metrics-address", "127.0.0.1:\(try Net.freePort())"])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("--lease 20s is not under twice --interval 10s"), "\(result.stderr)")
        await fixture.finish()
    }
}
