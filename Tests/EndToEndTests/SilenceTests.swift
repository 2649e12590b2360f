import Foundation
import Infinipost
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Silences through `run`: added over the daemon's HTTP API and with `postwatch silence add`
/// beside it, honoured from the next cycle; the muted failure never reaches the webhook, the
/// others do; what was muted is recorded and counted.
// Serialized like RunTests: each test runs postwatch processes.
@Suite(.serialized)
struct SilenceTests {
    static let token = "e2e-api-token-5f1c0a9d7b3e42a8"

    /// The token file, as the API wants it: readable by its owner only.
    static func tokenFile(_ fixture: Fixture) throws -> String {
        let path = fixture.workspace.folder.appendingPathComponent("api-token").path
        _ = FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// Movable posts (generated or pending_render) of `count` different accounts.
    static func postsOfDistinctAccounts(_ fixture: Fixture, count: Int) throws -> [Post] {
        var chosen: [Post] = []
        for post in fixture.sandbox.posts() where post.status == .generated || post.status == .pendingRender {
            if !chosen.contains(where: { $0.accountId == post.accountId }) { chosen.append(post) }
            if chosen.count == count { return chosen }
        }
        throw TestSupportError("the sandbox has no \(count) movable posts of different accounts")
    }

    @Test func silencesFromTheAPIAndTheCommandLineMuteFromTheNextCycle() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let (metricsPort, apiPort) = (try Net.freePort(), try Net.freePort())
        let daemon = try fixture.start(
            ["run"] + fixture.common + [
                "--interval", "1s", "--metrics-address", "127.0.0.1:\(metricsPort)",
                "--api-token-file", try Self.tokenFile(fixture), "--api-address", "127.0.0.1:\(apiPort)",
            ])
        defer { daemon.stop() }
        try await daemon.waitForStderr("the baseline cycle") { $0.contains("cycle complete") }
        let posts = try Self.postsOfDistinctAccounts(fixture, count: 3)
        let (viaAPI, notMuted, viaCLI) = (posts[0], posts[1], posts[2])
        let bearer = ["Authorization": "Bearer \(Self.token)"]

        // Refused without the token, and without saying anything about the silences.
        let refused = Net.request(port: apiPort, method: "GET", path: "/api/v1/silences")
        #expect(refused?.status == 401, "\(String(describing: refused))")
        let wrong = Net.request(port: apiPort, method: "GET", path: "/api/v1/silences", headers: ["Authorization": "Bearer nope"])
        #expect(wrong?.status == 401)

        let added = Net.request(
            port: apiPort, method: "POST", path: "/api/v1/silences", headers: bearer,
            body: #"{"matcher": "accountId = \"\#(viaAPI.accountId)\"", "duration": "1h", "comment": "TikTok outage", "author": "chatops"}"#)
        #expect(added?.status == 201, "\(String(describing: added))")
        let bad = Net.request(
            port: apiPort, method: "POST", path: "/api/v1/silences", headers: bearer,
            body: #"{"matcher": "acountId = \"x\"", "duration": "1h", "comment": "typo"}"#)
        #expect(bad?.status == 400 && bad?.body.contains("did you mean 'accountId'") == true, "\(String(describing: bad))")

        // Beside the running daemon, on the same state file.
        let cli = try await fixture.run([
            "silence", "add", #"postId = "\#(viaCLI.postId)""#, "--for", "1h", "--comment", "maintenance", "--author", "ana",
            "--state", fixture.workspace.state,
        ])
        #expect(cli.status == 0 && cli.stdout.contains("Silence 2 added"), "\(cli.output)")
        let badCLI = try await fixture.run([
            "silence", "add", "platform = tiktoc", "--for", "1h", "--comment", "x", "--state", fixture.workspace.state,
        ])
        #expect(badCLI.status == 2 && badCLI.stderr.contains("did you mean 'tiktok'"), "\(badCLI.output)")

        // Silences count from the next cycle: let one start after both were stored.
        let cycles = RunTests.cycles(daemon)
        try await daemon.waitForStderr("a cycle after the silences") { _ in RunTests.cycles(daemon) >= cycles + 2 }
        for post in [viaAPI, notMuted, viaCLI] { fixture.sandbox.setStatus(post.postId, to: .failed) }
        let delivered = try await eventually {
            fixture.receiver.requests.contains { $0.text.contains(notMuted.postId) }
        }
        #expect(delivered, "the failure no silence covers is notified")
        // The muted ones were found in the same cycle as the other: nothing of them was sent.
        let after = RunTests.cycles(daemon)
        try await daemon.waitForStderr("two more cycles") { _ in RunTests.cycles(daemon) >= after + 2 }
        for muted in [viaAPI, viaCLI] {
            #expect(!fixture.receiver.requests.contains { $0.text.contains(muted.postId) }, "\(muted.postId) was muted")
        }

        // Recorded, with the silence that muted it; counted in the metrics.
        let shown = Net.request(port: apiPort, method: "GET", path: "/api/v1/silences/1", headers: bearer)
        #expect(shown?.body.contains(#""silencedEvents" : 1"#) == true, "\(String(describing: shown))")
        let metrics = Net.get(port: metricsPort, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(#"postwatch_silenced_events_total{rule="Failed posts"} 2"#), "\(metrics)")
        #expect(metrics.contains("postwatch_active_silences 2"), "\(metrics)")

        // Expired over the API: gone from the list, kept in `--all`.
        let expired = Net.request(port: apiPort, method: "DELETE", path: "/api/v1/silences/1", headers: bearer)
        #expect(expired?.status == 200 && expired?.body.contains(#""state" : "expired""#) == true, "\(String(describing: expired))")
        let list = try await fixture.run(["silence", "list", "--state", fixture.workspace.state])
        #expect(list.status == 0 && !list.stdout.contains("TikTok outage") && list.stdout.contains("maintenance"), "\(list.output)")
        let all = try await fixture.run(["silence", "list", "--all", "--output", "json", "--state", fixture.workspace.state])
        #expect(all.stdout.contains("TikTok outage") && all.stdout.contains(#""state" : "expired""#), "\(all.output)")
        let show = try await fixture.run(["silence", "show", "2", "--state", fixture.workspace.state])
        #expect(show.stdout.contains("muted:    1 matched event(s)"), "\(show.output)")
        #expect(show.stdout.contains("Failed posts: 1 failed on \(viaCLI.accountId)"), "\(show.output)")
        let expire = try await fixture.run(["silence", "expire", "2", "--state", fixture.workspace.state])
        #expect(expire.status == 0 && expire.stdout.contains("Silence 2 expired"), "\(expire.output)")
        let again = try await fixture.run(["silence", "expire", "2", "--state", fixture.workspace.state])
        #expect(again.status == 0 && again.stdout.contains("had already ended"), "\(again.output)")
        let unknown = try await fixture.run(["silence", "expire", "9", "--state", fixture.workspace.state])
        #expect(unknown.status == 2 && unknown.stderr.contains("no silence with ID 9"), "\(unknown.output)")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(20)) == 0, "\(daemon.stderr)")
        #expect(!daemon.stderr.contains(Self.token))
        #expect(daemon.stderr.contains("silence added over the API") && daemon.stderr.contains("silence.author=chatops"), "\(daemon.stderr)")
        fixture.collect(daemon)
        await fixture.finish()
    }

    /// `check` honours silences too, and a match muted on purpose does not fail the job (exit
    /// 0, not 1); the report says which silence muted it.
    @Test func checkHonoursSilencesAndAMutedRuleDoesNotFailIt() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let baseline = try await fixture.check()
        #expect(baseline.status == 0, "\(baseline.output)")
        let post = try fixture.movablePost()
        let added = try await fixture.run([
            "silence", "add", #"postId = "\#(post.postId)""#, "--for", "30m", "--comment", "known", "--state", fixture.workspace.state,
        ])
        #expect(added.status == 0, "\(added.output)")
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let check = try await fixture.check()
        #expect(check.status == 0, "\(check.output)")
        #expect(check.stdout.contains("critical (muted by silence 1)"), "\(check.stdout)")
        #expect(fixture.receiver.requests.isEmpty)
        await fixture.finish()
    }

    /// `--summary`: muted while the silence runs; once it is expired, the next check sends one
    /// message with the muted post under a title naming the silence, and no later check again.
    @Test func aSilenceWithSummaryTellsWhatItMutedOnceItEnds() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        let state = ["--state", fixture.workspace.state]
        let added = try await fixture.run(
            ["silence", "add", #"postId = "\#(post.postId)""#, "--for", "30m", "--comment", "known", "--summary"] + state)
        #expect(added.status == 0, "\(added.output)")
        fixture.sandbox.setStatus(post.postId, to: .failed)
        #expect(try await fixture.check().status == 0)
        #expect(fixture.receiver.requests.isEmpty)
        #expect(try await fixture.run(["silence", "expire", "1"] + state).status == 0)
        let after = try await fixture.check()
        #expect(after.status == 0, "\(after.output)")
        let requests = try await fixture.receiver.waitForRequests(count: 1)
        let body = String(decoding: requests[0].body, as: UTF8.self)
        #expect(body.contains("While muted by silence 1: 1 event(s) of") && body.contains(post.postId), "\(body)")
        #expect(try await fixture.check().status == 0)
        #expect(fixture.receiver.requests.count == 1, "summarised once")
        await fixture.finish()
    }
}
