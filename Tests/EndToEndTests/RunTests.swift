import Foundation
import Infinipost
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `postwatch run` as a daemon: signals, reloads, metrics and health endpoints.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct RunTests {
    /// `run` with a 1 s interval and metrics on a free port.
    static func startDaemon(_ fixture: Fixture, metricsPort: Int, extra: [String] = []) throws -> LiveProcess {
        try fixture.start(
            ["run"] + fixture.common + ["--interval", "1s", "--metrics-address", "127.0.0.1:\(metricsPort)"] + extra)
    }

    static func cycles(_ process: LiveProcess) -> Int {
        process.stderr.components(separatedBy: "cycle complete").count - 1
    }

    @Test func sigtermMidDeliveryLosesNothingAndExitsZero() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        fixture.receiver.setDefault(.slow(.seconds(3)))
        let daemon = try Self.startDaemon(fixture, metricsPort: try Net.freePort(), extra: ["--log-level", "debug"])
        defer { daemon.stop() }
        try await daemon.waitForStderr("the baseline cycle") { $0.contains("cycle complete") }

        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        // The webhook is being answered (slowly): stop the daemon now.
        try await fixture.receiver.waitForRequests(count: 1, timeout: .seconds(45))
        let stopping = ContinuousClock.now
        daemon.signal(SIGTERM)
        let status = try await daemon.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "\(daemon.stderr)")
        #expect(ContinuousClock.now - stopping < .seconds(15))
        #expect(daemon.stderr.contains("postwatch stopped"), "\(daemon.stderr)")

        // Delivered, or still pending: never dropped, never dead.
        let outbox = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state])
        #expect(outbox.status == 0, "\(outbox.output)")
        let rows = outbox.stdout.split(separator: "\n").filter { $0.contains("Failed posts") }
        #expect(rows.count == 1, "\(outbox.stdout)")
        #expect(rows.allSatisfy { $0.contains("delivered") || $0.contains("pending") }, "\(outbox.stdout)")
        // The send in flight was allowed to finish (DESIGN: SIGTERM finishes in-flight deliveries).
        #expect(rows.allSatisfy { $0.contains("delivered") }, "\(outbox.stdout)\n\(daemon.stderr)")

        // Whatever was left goes out with the next check; the receiver sees the same notification.
        fixture.receiver.setDefault(.status(200, "ok"))
        let next = try await fixture.check(["--delivery-timeout", "10s"])
        #expect(next.status == 0, "\(next.output)")
        let after = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state, "--only", "delivered"])
        #expect(after.stdout.split(separator: "\n").filter { $0.contains("Failed posts") }.count == 1, "\(after.stdout)")
        let keys = Set(fixture.receiver.requests.compactMap { $0.header("Idempotency-Key") })
        #expect(keys.count == 1, "one notification, maybe sent twice with the same key")
        fixture.collect(daemon)
        await fixture.finish()
    }

    @Test func aSecondPollerOnTheSameStateRefusesToStart() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let daemon = try Self.startDaemon(fixture, metricsPort: try Net.freePort())
        defer { daemon.stop() }
        try await daemon.waitForStderr("the first cycle") { $0.contains("cycle complete") }
        // `events=0` alone read like nothing happened on a first cycle.
        #expect(daemon.stderr.contains("baseline recorded: 40 posts; changes from now on are reported"), "\(daemon.stderr)")

        // Both would poll and both would notify: the second refuses, and says why.
        let second = try await fixture.check()
        #expect(second.status == 2, "\(second.output)")
        #expect(second.stderr.contains("another postwatch is already using the state file"), "\(second.stderr)")
        // Another name for the same file is the same file: a symbolic link ran beside the
        // daemon and the two collided with `UNIQUE constraint failed`.
        let alias = fixture.workspace.path + "/alias.sqlite"
        try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: fixture.workspace.state)
        let linked = try await fixture.run(
            ["check", "--api-url", fixture.server.baseURL, "--rules", fixture.workspace.rules, "--state", alias])
        #expect(linked.status == 2, "\(linked.output)")
        #expect(linked.stderr.contains("another postwatch is already using the state file"), "\(linked.stderr)")
        // A dry run reads a scratch copy of the state: it may run beside the daemon.
        let dryRun = try await fixture.check(["--dry-run"])
        #expect(dryRun.status == 0 || dryRun.status == 1, "\(dryRun.output)")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(20)) == 0)
        // The lock dies with the process: the next check runs.
        let after = try await fixture.check()
        #expect(after.status != 2, "\(after.output)")
        fixture.collect(daemon)
        await fixture.finish()
    }

    @Test func sighupReloadsGoodRulesAndKeepsTheOldOnesOnAnError() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let port = try Net.freePort()
        let daemon = try Self.startDaemon(fixture, metricsPort: port)
        defer { daemon.stop() }
        try await daemon.waitForStderr("the baseline cycle") { $0.contains("cycle complete") }
        let reloadGauge = "postwatch_rules_last_reload_successful "
        #expect(Net.get(port: port, path: "/metrics")?.body.contains(reloadGauge + "1") == true)

        // Good new rules: the new rule fires afterwards.
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK secret env:HOOK_SECRET
            channel team = webhook env:TEAM_HOOK

            rule "Failed posts" {
              when failed
              notify hook
              severity critical
            }

            rule "Posted posts" {
              when posted
              notify team
              severity info
            }
            """)
        daemon.signal(SIGHUP)
        try await daemon.waitForStderr("the reload") { $0.contains("rules reloaded") }
        let posted = try fixture.movablePost()
        fixture.sandbox.setStatus(posted.postId, to: .posted)
        let first = try await fixture.receiver.waitForRequests(count: 1, timeout: .seconds(45))
        #expect(first.first?.text.contains("Posted posts") == true, "\(first.first?.text ?? "")")
        #expect(first.first?.text.contains(posted.postId) == true)
        // A channel declared by the new rules is delivered to as well.
        #expect(first.first?.path == "/team")

        // Broken rules: logged with their diagnostics, the previous rules keep working.
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK

            rule "Broken" {
              when failed
              notify nowhere
            }
            """)
        daemon.signal(SIGHUP)
        try await daemon.waitForStderr("the failed reload") { $0.contains("rules not reloaded") }
        #expect(daemon.stderr.contains("main.rules:5:"), "\(daemon.stderr)")
        // Nothing else shows that the files on disk are broken: the gauge does (and its alert).
        let metrics = Net.get(port: port, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(reloadGauge + "0"), "\(metrics)")
        #expect(metrics.contains("postwatch_rules_last_reload_success_timestamp_seconds"), "\(metrics)")
        let failed = try fixture.movablePost(excluding: [posted.postId])
        fixture.sandbox.setStatus(failed.postId, to: .failed)
        let second = try await fixture.receiver.waitForRequests(count: 2, timeout: .seconds(45))
        #expect(second[1].text.contains("Failed posts"), "\(second[1].text)")
        #expect(second[1].text.contains(failed.postId))
        #expect(daemon.process.isRunning)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        fixture.collect(daemon)
        await fixture.finish()
    }

    @Test func metricsHealthAndReadinessAfterAFewCycles() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let port = try Net.freePort()
        let daemon = try Self.startDaemon(fixture, metricsPort: port, extra: ["--log-format", "json"])
        defer { daemon.stop() }
        #expect(try await eventually { Net.get(port: port, path: "/healthz")?.status == 200 })
        try await daemon.waitForStderr("the baseline cycle") { $0.contains("cycle complete") }
        #expect(Net.get(port: port, path: "/readyz")?.status == 200)

        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        try await fixture.receiver.waitForRequests(count: 1, timeout: .seconds(45))
        try await daemon.waitForStderr("three more cycles") { _ in Self.cycles(daemon) >= 4 }
        // The delivery is recorded a moment after the receiver answered.
        var metrics = ""
        _ = try await eventually(timeout: .seconds(45)) {
            metrics = Net.get(port: port, path: "/metrics")?.body ?? ""
            return metrics.contains("postwatch_deliveries_total")
        }
        for name in [
            "postwatch_cycles_total", "postwatch_cycle_duration_seconds", "postwatch_pages_fetched_total",
            "postwatch_events_total", "postwatch_deliveries_total", "postwatch_outbox_depth",
            "postwatch_last_successful_cycle_timestamp_seconds", "postwatch_build_info{",
        ] {
            #expect(metrics.contains(name), "\(name) missing from /metrics:\n\(metrics)")
        }
        #expect(metrics.contains(#"postwatch_cycles_total{result="ok"}"#), "\(metrics)")
        #expect(metrics.contains(#"rule="Failed posts""#), "\(metrics)")
        #expect(metrics.contains(#"channel_kind="webhook""#), "\(metrics)")
        fixture.secrets.expectAbsent(from: metrics)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        for line in daemon.stderr.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] is String, "not a JSON log line: \(line)")
        }
        fixture.collect(daemon)
        await fixture.finish()
    }

    /// The outbox depth is read when `/metrics` is scraped: recorded after each cycle instead,
    /// a notification that died between two cycles showed `dead` 0 until the next cycle (an
    /// hour here), and the shipped "notifications are dying" alert fired that much later.
    @Test func aDeadNotificationShowsInTheDepthAtTheNextScrapeNotTheNextCycle() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)  // the baseline
        fixture.receiver.setDefault(.status(400, "bad request"))
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let port = try Net.freePort()
        let daemon = try fixture.start(
            ["run"] + fixture.common + ["--interval", "1h", "--metrics-address", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        try await fixture.receiver.waitForRequests(count: 1, timeout: .seconds(45))
        var metrics = ""
        let dead = try await eventually(timeout: .seconds(45)) {
            metrics = Net.get(port: port, path: "/metrics")?.body ?? ""
            return metrics.contains(#"postwatch_outbox_depth{state="dead"} 1"#)
        }
        #expect(dead, "\(metrics)\n\(daemon.stderr)")
        #expect(metrics.contains(#"postwatch_outbox_depth{state="pending"} 0"#), "\(metrics)")
        #expect(Self.cycles(daemon) == 1, "\(daemon.stderr)")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        fixture.collect(daemon)
        await fixture.finish()
    }

    /// Deleting (or replacing, or emptying) the state file under `run` lost data silently:
    /// SQLite went on with the unlinked file, `/readyz` stayed 200, and the next start recorded a
    /// new baseline. Now every cycle checks the file is the one opened: it logs an error, fails
    /// readiness and applies nothing, and a restart says it is starting over.
    @Test(arguments: ["delete", "replace", "empty"])
    func aStateFileGoneFromUnderTheDaemonStopsCyclesLoudly(_ how: String) async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let port = try Net.freePort()
        let daemon = try Self.startDaemon(fixture, metricsPort: port)
        defer { daemon.stop() }
        try await daemon.waitForStderr("the baseline cycle") { $0.contains("cycle complete") }
        #expect(Net.get(port: port, path: "/readyz")?.status == 200)

        let state = fixture.workspace.state
        switch how {
        case "delete":
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: state + suffix) }
        case "replace":
            try FileManager.default.removeItem(atPath: state)
            try Data("not the state".utf8).write(to: URL(fileURLWithPath: state))
        default:
            #expect(truncate(state, 0) == 0)
        }
        let word = ["delete": "is gone", "replace": "was replaced", "empty": "was emptied"][how]!
        try await daemon.waitForStderr("the state file error") { $0.contains(word) }
        let ready = Net.get(port: port, path: "/readyz")
        #expect(ready?.status == 503)
        #expect(ready?.body.contains(word) == true, "\(String(describing: ready))")

        // A failure now is not applied to a file nobody will read again (nor notified from it).
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let applied = Self.cycles(daemon)
        try await Task.sleep(for: .seconds(3))
        #expect(Self.cycles(daemon) == applied)
        #expect(fixture.receiver.requests.isEmpty)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        fixture.collect(daemon)

        if how == "delete" {
            // The next start records a new baseline, and says so. (An emptied file is not empty
            // any more by then: SQLite checkpoints its WAL into it on the way out.)
            let restart = try Self.startDaemon(fixture, metricsPort: try Net.freePort())
            defer { restart.stop() }
            try await restart.waitForStderr("the new baseline") { $0.contains("cycle complete") }
            #expect(restart.stderr.contains("starting a new baseline"), "\(restart.stderr)")
            fixture.collect(restart)
        }
        await fixture.finish()
    }

    /// A metrics port in use gave `cycle not applied error=CancellationError()` twice, then a
    /// bind error naming no address. Now: one line naming the address, exit 2, nothing polled.
    @Test func aMetricsPortInUseStopsRunWithOneClearLine() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let taken = fixture.receiver.port  // the webhook receiver listens there
        let result = try await fixture.run(
            ["run"] + fixture.common + ["--metrics-address", "127.0.0.1:\(taken)"], timeout: .seconds(20))
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("cannot listen for metrics on 127.0.0.1:\(taken)"), "\(result.stderr)")
        #expect(!result.stderr.contains("CancellationError"), "\(result.stderr)")
        #expect(fixture.sandbox.requests().isEmpty)
        await fixture.finish()
    }

    /// `--state state/run.sqlite` on a first run failed: `cannot create the lock file`.
    @Test func theStateFilesFolderIsCreated() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let nested = fixture.workspace.path + "/state/deeper/run.sqlite"
        let result = try await fixture.run(
            ["check", "--api-url", fixture.server.baseURL, "--rules", fixture.workspace.rules, "--state", nested])
        #expect(result.status == 0, "\(result.output)")
        #expect(FileManager.default.fileExists(atPath: nested))
        let zero = try await fixture.run(["run"] + fixture.common + ["--interval", "0s"])
        #expect(zero.status == 2, "\(zero.output)")
        #expect(zero.stderr.contains("--interval must be longer than 0s"), "\(zero.stderr)")
        await fixture.finish()
    }

    @Test func apiOutageIsCountedAndReadinessWaitsForACompleteCycle() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        fixture.sandbox.setPersistentFault(.internalError)
        let port = try Net.freePort()
        let daemon = try Self.startDaemon(fixture, metricsPort: port)
        defer { daemon.stop() }
        try await daemon.waitForStderr("a failed cycle") { $0.contains("cycle failed") }
        #expect(Net.get(port: port, path: "/healthz")?.status == 200)
        #expect(Net.get(port: port, path: "/readyz")?.status == 503)
        let metrics = Net.get(port: port, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(#"postwatch_api_errors_total{code="internal"}"#), "\(metrics)")
        #expect(metrics.contains(#"postwatch_cycles_total{result="api_error"}"#), "\(metrics)")

        // Backing off without flooding the log: one warning for the outage, not one per cycle.
        #expect(try await eventually(timeout: .seconds(45)) {
            (Net.get(port: port, path: "/metrics")?.body ?? "").contains(#"postwatch_cycles_total{result="api_error"} 2"#)
        })
        #expect(daemon.stderr.components(separatedBy: "cycle failed").count - 1 == 1, "\(daemon.stderr)")

        fixture.sandbox.setPersistentFault(nil)
        #expect(try await eventually(timeout: .seconds(45)) { Net.get(port: port, path: "/readyz")?.status == 200 })
        #expect(daemon.stderr.contains("cycles complete again"), "\(daemon.stderr)")
        daemon.signal(SIGINT)
        #expect(try await daemon.waitForExit() == 0)
        fixture.collect(daemon)
        await fixture.finish()
    }
}

/// `postwatch demo`: the embedded default.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct DemoTests {
    @Test func demoRunsByItselfAndPrintsASummary() async throws {
        let binary = try PostwatchBinary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        // A 5 s demo stops by itself: `run` kills it and fails after 60 s. No tighter bound on
        // time: under a loaded parallel suite its start and the gallery took 19 s once.
        let result = try await binary.run(["demo", "--duration", "5s", "--seed", "7"], directory: workspace.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("postwatch demo"), "\(result.stdout)")
        #expect(result.stdout.contains("Summary"), "\(result.stdout)")
        #expect(result.stdout.contains("cycles"), "\(result.stdout)")
        // Each notification printed as its channel would show it; the summary counts them. Then
        // the first one in every HTTP kind's layout, drawn from the request it would send.
        let parts = result.stdout.components(separatedBy: "The first notification in each channel kind's layout")
        #expect(parts.count == 2, "\(result.stdout)")
        for kind in ["slack", "mattermost", "discord", "teams", "ntfy", "telegram", "pagerduty", "webhook"] {
            #expect(parts.last?.contains("── \(kind)") == true, "\(kind) in the gallery:\n\(result.stdout)")
        }
        let printed = parts[0].components(separatedBy: "── ").count - 1
        #expect(printed > 0, "\(result.stdout)")
        #expect(result.stdout.contains("events, \(printed) notifications"), "\(printed) printed:\n\(result.stdout)")
        // Not a terminal: no colour codes.
        #expect(!result.stdout.contains("\u{1B}["), "\(result.stdout)")
    }
}
