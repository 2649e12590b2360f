import Foundation
import Infinipost
import Testing
import TestSupport

/// `postwatch check` against a real sandbox, webhook receiver and SMTP server: each exit code.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct CheckTests {
    @Test func ruleFiredDeliversSignedWebhookAndMailThenNothingNew() async throws {
        let fixture = try await Fixture.start(smtp: true)
        try fixture.writeFailureRules(email: true)

        // The first run is a silent baseline.
        let baseline = try await fixture.check()
        #expect(baseline.status == 0, "\(baseline.output)")
        #expect(fixture.receiver.requests.isEmpty)

        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let fired = try await fixture.check()
        #expect(fired.status == 1, "\(fired.output)")
        #expect(!fired.stdout.contains("pending"), "\(fired.output)")
        #expect(fired.stdout.contains(post.postId))
        #expect(fired.stdout.contains("Failed posts"))

        let requests = try await fixture.receiver.waitForRequests(count: 1)
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/\(fixture.secrets.hookToken)")
        #expect(request.text.contains(post.postId))
        let key = try #require(request.header("Idempotency-Key"))
        #expect(!key.isEmpty)
        let signature = try #require(request.header("X-Postwatch-Signature"))
        let expected = try await hmacSHA256(request.body, secret: fixture.secrets.hmacSecret)
        #expect(signature == "sha256=\(expected)")

        let smtp = try #require(fixture.smtp)
        let messages = try await smtp.waitForMessages(count: 1, timeout: .seconds(2))
        let mail = try #require(messages.first)
        #expect(mail.recipients == ["oncall@example.com"])
        #expect(mail.from == "postwatch@example.com")
        #expect(mail.authenticatedAs == "postwatch")
        #expect(mail.text.contains(post.postId))
        #expect(mail.text.range(of: "Message-ID:", options: .caseInsensitive) != nil)

        // Nothing changed since: nothing fires, nothing is sent again.
        let quiet = try await fixture.check()
        #expect(quiet.status == 0, "\(quiet.output)")
        #expect(fixture.receiver.requests.count == 1)
        #expect(smtp.messages.count == 1)
        await fixture.finish()
    }

    @Test func jsonOutputMatchesTheDocumentedSchema() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let baseline = try await fixture.check(["--output", "json"])
        #expect(baseline.status == 0, "\(baseline.output)")
        let first = try Self.json(baseline.stdout)
        let firstCycle = try #require(first["cycle"] as? [String: Any])
        #expect(firstCycle["baseline"] as? Bool == true)
        #expect((first["events"] as? [Any])?.isEmpty == true)

        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let result = try await fixture.check(["--output", "json"])
        #expect(result.status == 1, "\(result.output)")
        let document = try Self.json(result.stdout)
        #expect(document["version"] as? Int == 1)
        #expect(document["exitCode"] as? Int == 1)
        let cycle = try #require(document["cycle"] as? [String: Any])
        #expect(cycle["baseline"] as? Bool == false)
        #expect(cycle["dryRun"] as? Bool == false)
        #expect(cycle["posts"] as? Int == fixture.sandbox.count)
        #expect((cycle["pages"] as? Int ?? 0) >= 1)
        #expect(cycle["durationMilliseconds"] is Int)
        let startedAt = try #require(cycle["startedAt"] as? String)
        #expect(ISO8601DateFormatter().date(from: startedAt) != nil, "startedAt \(startedAt)")

        let events = try #require(document["events"] as? [[String: Any]])
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event["kind"] as? String == "transition")
        #expect(event["from"] as? String == post.status.rawValue)
        #expect(event["to"] as? String == "failed")
        #expect(event["postId"] as? String == post.postId)
        #expect(event["accountId"] as? String == post.accountId)
        #expect(event["platform"] as? String == post.platform.rawValue)
        #expect(event["contentType"] as? String == post.contentType.rawValue)
        #expect(event["timezone"] as? String == post.timezone)
        let scheduled = try #require(event["scheduledTime"] as? String)
        #expect(ISO8601DateFormatter().date(from: scheduled) == post.scheduledTime)
        let rules = try #require(event["rules"] as? [[String: Any]])
        #expect(rules.count == 1)
        #expect(rules.first?["name"] as? String == "Failed posts")
        #expect(rules.first?["severity"] as? String == "critical")

        let notifications = try #require(document["notifications"] as? [String: Any])
        #expect(notifications["queued"] as? Int == 1)
        #expect(notifications["delivered"] as? Int == 1)
        #expect(notifications["pending"] as? Int == 0)
        #expect(notifications["dead"] as? Int == 0)
        #expect(fixture.receiver.requests.count == 1)
        await fixture.finish()
    }

    @Test func badRulesExitTwoWithCompilerStyleDiagnostics() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK

            rule "TikTok failures" {
              when failed
              where platform = tiktoc
              notify hook
            }
            """)
        let result = try await fixture.check()
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("main.rules:5:"), "\(result.stderr)")
        #expect(result.stderr.contains("tiktok"), "\(result.stderr)")
        // Rules are checked before any request.
        #expect(fixture.sandbox.requests().isEmpty)
        await fixture.finish()
    }

    @Test func badAPIKeyExitsThree() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let wrongKey = "wrong-key-\(UUID().uuidString)"
        let result = try await fixture.check(environment: ["INFINIPOST_API_KEY": wrongKey])
        #expect(result.status == 3, "\(result.output)")
        #expect(!result.output.contains(wrongKey))
        #expect(!result.stderr.isEmpty)
        #expect(fixture.receiver.requests.isEmpty)
        await fixture.finish()
    }

    /// `hasMore: true` with a new cursor on every page kept `check` busy forever (~290
    /// requests/s). It now ends with exit 3 once the cycle passes its page budget, applies
    /// nothing, and says why.
    @Test func anAPIWhosePagesNeverEndExitsThree() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        fixture.sandbox.setPersistentFault(.endlessPages)
        let started = ContinuousClock.now
        let result = try await fixture.check()
        #expect(result.status == 3, "\(result.output)")
        #expect(result.stderr.contains("the API kept returning pages"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(fixture.receiver.requests.isEmpty)

        fixture.sandbox.setPersistentFault(nil)
        let next = try await fixture.check(["--delivery-timeout", "10s"])
        #expect(next.status == 1, "the failure fires a critical rule: \(next.output)")
        #expect(fixture.receiver.requests.count == 1)
        await fixture.finish()
    }

    /// Issue 12, "Also": with `--output json`, stdout is one document on every outcome, a
    /// failure included, with the error's code and message, so a CI job can parse it.
    @Test func jsonOutputOnFailureHoldsTheError() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let wrongKey = "wrong-key-\(UUID().uuidString)"
        let unauthorized = try await fixture.check(["--output", "json"], environment: ["INFINIPOST_API_KEY": wrongKey])
        #expect(unauthorized.status == 3, "\(unauthorized.output)")
        #expect(!unauthorized.output.contains(wrongKey))
        let document = try Self.json(unauthorized.stdout)
        #expect(document["version"] as? Int == 1)
        #expect(document["exitCode"] as? Int == 3)
        #expect((document["events"] as? [Any])?.isEmpty == true)
        #expect((document["cycle"] as? [String: Any])?["posts"] as? Int == 0)
        #expect((document["notifications"] as? [String: Any])?["queued"] as? Int == 0)
        let error = try #require(document["error"] as? [String: Any], "\(unauthorized.stdout)")
        #expect(error["code"] as? String == "unauthenticated")
        #expect((error["message"] as? String)?.contains("Invalid or missing API key") == true, "\(error)")
        // The message is on stderr as before, for people.
        #expect(unauthorized.stderr.contains("Invalid or missing API key"), "\(unauthorized.stderr)")

        // The API down: a postwatch code.
        let port = try Net.freePort()
        let down = try await fixture.run(
            ["check", "--api-url", "http://127.0.0.1:\(port)", "--rules", fixture.workspace.rules, "--state",
             fixture.workspace.state, "--output", "json"])
        #expect(down.status == 3, "\(down.output)")
        #expect((try Self.json(down.stdout)["error"] as? [String: Any])?["code"] as? String == "connection", "\(down.stdout)")

        // Rules with an error: exit 2, the diagnostics in the message.
        try fixture.workspace.writeRules("rule \"Broken\" {\n  when failed\n  notify nowhere\n}\n")
        let broken = try await fixture.check(["--output", "json"])
        #expect(broken.status == 2, "\(broken.output)")
        let brokenError = try #require(try Self.json(broken.stdout)["error"] as? [String: Any], "\(broken.stdout)")
        #expect(brokenError["code"] as? String == "configuration")
        #expect((brokenError["message"] as? String)?.contains("main.rules:3:") == true, "\(brokenError)")

        // A run that works has no `error` at all.
        try fixture.writeFailureRules(email: false)
        let fine = try await fixture.check(["--output", "json"])
        #expect(fine.status == 0, "\(fine.output)")
        #expect(try Self.json(fine.stdout)["error"] == nil, "\(fine.stdout)")
        await fixture.finish()
    }

    @Test func apiDownExitsThreeAndAppliesNothing() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let port = try Net.freePort()
        let started = ContinuousClock.now
        let result = try await fixture.run(
            ["check", "--api-url", "http://127.0.0.1:\(port)", "--rules", fixture.workspace.rules, "--state", fixture.workspace.state])
        #expect(result.status == 3, "\(result.output)")
        #expect(ContinuousClock.now - started < .seconds(45))

        // A 5xx that lasts is "API down" too; the state stays empty, so the next good run is a baseline.
        fixture.sandbox.setPersistentFault(.internalError)
        let failing = try await fixture.check(["--output", "json"])
        #expect(failing.status == 3, "\(failing.output)")
        fixture.sandbox.setPersistentFault(nil)
        let recovered = try await fixture.check(["--output", "json"])
        #expect(recovered.status == 0, "\(recovered.output)")
        let cycle = try #require(try Self.json(recovered.stdout)["cycle"] as? [String: Any])
        #expect(cycle["baseline"] as? Bool == true)
        await fixture.finish()
    }

    /// Exit 1 outranks 4, so a job that gets 1 did not learn that mail is stuck: stderr says so.
    @Test func aFiredRuleWithUndeliveredNotificationsSaysBoth() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)  // critical
        fixture.receiver.setDefault(.serverError())
        _ = try await fixture.check()
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let result = try await fixture.check(["--delivery-timeout", "2s"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stderr.contains("some notifications are not delivered yet (exit 4), outranked by a fired rule (exit 1)"), "\(result.stderr)")
        await fixture.finish()
    }

    /// `--output json` listed every event of the cycle (6.8 MB for 339 matches at 50k posts);
    /// `--events fired` lists those that fired a rule and counts the rest.
    @Test func eventsFiredListsOnlyTheEventsThatFiredARule() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        _ = try await fixture.check()
        let failing = try fixture.movablePost()
        let moving = try #require(fixture.sandbox.posts().first { $0.status == .generated && $0.postId != failing.postId })
        fixture.sandbox.setStatus(failing.postId, to: .failed)
        fixture.sandbox.setStatus(moving.postId, to: .pendingRender)
        let result = try await fixture.check(["--output", "json", "--events", "fired", "--delivery-timeout", "10s"])
        #expect(result.status == 1, "\(result.output)")
        let document = try Self.json(result.stdout)
        let events = try #require(document["events"] as? [[String: Any]])
        #expect(events.map { $0["postId"] as? String } == [failing.postId], "\(events)")
        #expect(document["eventsLeftOut"] as? Int == 1, "\(result.stdout)")
        let bad = try await fixture.check(["--events", "some"])
        #expect(bad.status == 2 && bad.stderr.contains("--events must be all or fired"), "\(bad.output)")
        await fixture.finish()
    }

    @Test func undeliveredNotificationExitsFourAndStaysInTheOutbox() async throws {
        let fixture = try await Fixture.start()
        // severity info: a fired rule would otherwise win with exit 1.
        try fixture.writeFailureRules(email: false, severity: "info")
        fixture.receiver.setDefault(.serverError())
        _ = try await fixture.check()
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)

        let result = try await fixture.check(["--delivery-timeout", "2s", "--output", "json"])
        #expect(result.status == 4, "\(result.output)")
        let notifications = try #require(try Self.json(result.stdout)["notifications"] as? [String: Any])
        #expect(notifications["queued"] as? Int == 1)
        #expect(notifications["pending"] as? Int == 1)
        #expect(fixture.receiver.requests.count >= 1)

        let outbox = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state])
        #expect(outbox.status == 0, "\(outbox.output)")
        #expect(outbox.stdout.contains("pending"), "\(outbox.stdout)")
        #expect(outbox.stdout.contains("Failed posts"), "\(outbox.stdout)")

        // The next check delivers it once the receiver is back.
        fixture.receiver.setDefault(.status(200, "ok"))
        let next = try await fixture.check(["--delivery-timeout", "10s"])
        #expect(next.status == 0, "\(next.output)")
        let after = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state])
        let rows = after.stdout.split(separator: "\n").filter { $0.contains("Failed posts") }
        #expect(rows.count == 1 && rows.allSatisfy { $0.contains("delivered") }, "\(after.stdout)")
        await fixture.finish()
    }

    /// Issue 12, defect 2, as an operator sees it: of three addresses one takes the mail, one
    /// defers it (450, taken on the retry) and one refuses it (550). Each gets the mail or not
    /// on its own, nobody twice, and `outbox show` tells what became of each.
    @Test func aRefusedAddressCostsNobodyElseTheMailAndOutboxShowTellsEach() async throws {
        let fixture = try await Fixture.start(smtp: true)
        try fixture.workspace.writeRules(
            """
            channel mail = email "ops@example.com", "busy@example.com", "rejected@example.com"

            rule "Failed posts" {
              when failed
              notify mail
              severity info
            }
            """)
        _ = try await fixture.check()
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let result = try await fixture.check(["--delivery-timeout", "30s"])
        // Dead for the refused address: not "fine".
        #expect(result.status == 4, "\(result.output)")
        let smtp = try #require(fixture.smtp)
        let messages = try await smtp.waitForMessages(count: 2)
        #expect(messages.map(\.recipients) == [["ops@example.com"], ["busy@example.com"]])

        let list = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state, "--only", "dead"])
        let row = try #require(list.stdout.split(separator: "\n").first { $0.contains("Failed posts") }, "\(list.output)")
        #expect(row.contains("delivered to 2 of 3"), "\(row)")
        let id = String(row.prefix { $0 != " " })
        let show = try await fixture.run(["outbox", "show", id, "--state", fixture.workspace.state])
        #expect(show.status == 0, "\(show.output)")
        let lines = show.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("State dead"), "\(show.stdout)")
        #expect(lines.contains("ops@example.com delivered"), "\(show.stdout)")
        #expect(lines.contains("busy@example.com delivered"), "\(show.stdout)")
        #expect(lines.contains { $0.hasPrefix("rejected@example.com dead 550 5.1.1") }, "\(show.stdout)")
        await fixture.finish()
    }

    @Test func rateLimitedWebhookIsRetriedAfterRetryAfterWithinTheTimeout() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        _ = try await fixture.check()
        fixture.receiver.enqueue(.tooManyRequests(retryAfter: "1"))
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let result = try await fixture.check(["--output", "json", "--delivery-timeout", "10s"])
        #expect(result.status == 1, "\(result.output)")
        let notifications = try #require(try Self.json(result.stdout)["notifications"] as? [String: Any])
        #expect(notifications["delivered"] as? Int == 1, "\(result.output)")
        #expect(notifications["pending"] as? Int == 0)
        let requests = fixture.receiver.requests
        #expect(requests.count == 2)
        // The retry is the same notification, and it waited for Retry-After.
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 1)
        await fixture.finish()
    }

    @Test func refusedNotificationIsDeadAndNotReportedAsFine() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false, severity: "info")
        // A deleted webhook: 404 is permanent, the notification goes dead at once.
        fixture.receiver.setDefault(.status(404, "no_such_hook"))
        _ = try await fixture.check()
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let result = try await fixture.check(["--output", "json"])
        let notifications = try #require(try Self.json(result.stdout)["notifications"] as? [String: Any])
        #expect(notifications["delivered"] as? Int == 0)
        #expect(notifications["dead"] as? Int == 1, "\(result.stdout)")
        #expect(result.status == 4, "\(result.output)")
        let outbox = try await fixture.run(["outbox", "list", "--state", fixture.workspace.state, "--only", "dead"])
        #expect(outbox.stdout.contains("Failed posts"), "\(outbox.stdout)")
        await fixture.finish()
    }

    @Test func sinceReportsRecentFailuresOnAnEmptyStateAndWithoutItTheFirstRunIsSilent() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let post = try fixture.movablePost()
        let recent = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded(.down))
        fixture.sandbox.update(post.postId) {
            $0.status = .failed
            $0.scheduledTime = recent
        }

        let silent = try await fixture.check(["--output", "json"])
        #expect(silent.status == 0, "\(silent.output)")
        #expect((try Self.json(silent.stdout)["events"] as? [Any])?.isEmpty == true)
        #expect(fixture.receiver.requests.isEmpty)

        let other = fixture.workspace.folder.appendingPathComponent("other.sqlite").path
        let since = try await fixture.run(
            ["check", "--api-url", fixture.server.baseURL, "--rules", fixture.workspace.rules, "--state", other,
             "--since", "24h", "--output", "json"])
        #expect(since.status == 1, "\(since.output)")
        let document = try Self.json(since.stdout)
        let cycle = try #require(document["cycle"] as? [String: Any])
        #expect(cycle["baseline"] as? Bool == true)
        let events = try #require(document["events"] as? [[String: Any]])
        #expect(events.contains { $0["postId"] as? String == post.postId && $0["to"] as? String == "failed" })
        // Only the post scheduled within the window: the sandbox's other failures are older.
        #expect(events.allSatisfy { $0["postId"] as? String == post.postId }, "\(events)")
        let requests = try await fixture.receiver.waitForRequests(count: 1)
        #expect(requests.first?.text.contains(post.postId) == true)
        await fixture.finish()
    }

    @Test func dryRunLeavesTheStateUnchangedAndSendsNothing() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        // On a state that does not exist yet, a dry run creates nothing.
        let fresh = try await fixture.check(["--dry-run"])
        #expect(fresh.status == 0, "\(fresh.output)")
        #expect(Self.stateFiles(fixture.workspace).isEmpty, "a dry run created the state file")

        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)

        let before = Self.stateFiles(fixture.workspace)
        let dry = try await fixture.check(["--dry-run"])
        #expect(dry.status == 1, "\(dry.output)")
        #expect(dry.stdout.contains("would send"), "\(dry.stdout)")
        #expect(dry.stdout.contains(post.postId))
        #expect(Self.stateFiles(fixture.workspace) == before, "the state file changed")
        #expect(fixture.receiver.requests.isEmpty)

        let json = try await fixture.check(["--dry-run", "--output", "json"])
        let document = try Self.json(json.stdout)
        #expect((document["cycle"] as? [String: Any])?["dryRun"] as? Bool == true)
        #expect((document["notifications"] as? [String: Any])?["queued"] as? Int == 0)
        #expect(Self.stateFiles(fixture.workspace) == before, "the state file changed")
        // The scratch copy was made beside the state file and is gone.
        let folder = URL(fileURLWithPath: fixture.workspace.state).deletingLastPathComponent().path
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".postwatch-dry-run-") }
        #expect(left.isEmpty, "\(left)")

        // The event is still there for a real run.
        let real = try await fixture.check()
        #expect(real.status == 1, "\(real.output)")
        #expect(try await fixture.receiver.waitForRequests(count: 1).count == 1)
        await fixture.finish()
    }

    @Test func jsonLogsAreOneObjectPerLine() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        _ = try await fixture.check()
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        let result = try await fixture.check(["--log-format", "json", "--log-level", "debug"])
        #expect(result.status == 1, "\(result.output)")
        Self.expectJSONLines(result.stderr)

        // The error a command ends with is a log line too (a shipper must not choke on it).
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK

            rule "Broken" {
              when failed
              notify nowhere
            }
            """)
        let broken = try await fixture.check(["--log-format", "json"])
        #expect(broken.status == 2, "\(broken.output)")
        let messages = Self.expectJSONLines(broken.stderr)
        #expect(messages.contains { $0.contains("main.rules:5:") }, "\(broken.stderr)")
        await fixture.finish()
    }

    /// Every line of `text` is one JSON object with a message and a level; returns the messages.
    @discardableResult
    static func expectJSONLines(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let lines = text.split(separator: "\n")
        #expect(!lines.isEmpty, sourceLocation: sourceLocation)
        var messages: [String] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)", sourceLocation: sourceLocation)
            #expect(object?["level"] is String, sourceLocation: sourceLocation)
            if let message = object?["message"] as? String { messages.append(message) }
        }
        return messages
    }

    // MARK: Helpers

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestSupportError("not a JSON object: \(text)")
        }
        return object
    }

    /// The state file and its SQLite companions, byte for byte.
    static func stateFiles(_ workspace: Workspace) -> [String: Data] {
        var files: [String: Data] = [:]
        for suffix in ["", "-wal", "-journal"] {
            if let data = FileManager.default.contents(atPath: workspace.state + suffix) { files[suffix] = data }
        }
        return files
    }
}
