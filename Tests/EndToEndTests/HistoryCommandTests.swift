import Foundation
import Testing
import TestSupport

/// `postwatch history` against real state files written by `check` and `run`, with a real
/// webhook receiver: "were we told, when, and where?" (issue 16).
// Serialized for load, as OutboxCommandTests.
@Suite(.serialized)
struct HistoryCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Every file of the state (the database and its WAL), as text, for the secret check.
    static func stateBytes(_ fixture: Fixture) -> String {
        let state = fixture.workspace.state
        return [state, state + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
            .map { String(decoding: $0, as: UTF8.self) }.joined()
    }

    /// The receiver answers 500 once, quoting the webhook's URL and token in its error body,
    /// then 200: the history shows both attempts with their answers, the first one's error
    /// redacted, and neither the URL nor the token is in its output or in the state file.
    @Test func aRetriedNotificationShowsBothAttemptsAndNoSecret() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        fixture.receiver.enqueue(
            .status(500, "upstream down while posting to \(fixture.secrets.hookURL) (token \(fixture.secrets.hookToken))"))
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let checked = try await fixture.check(["--delivery-timeout", "20s"])
        #expect(checked.status == 1, "\(checked.output)")
        #expect(fixture.receiver.requests.count == 2)

        let state = ["--state", fixture.workspace.state]
        let json = try await fixture.run(["history", "--post", post.postId, "--output", "json"] + state)
        #expect(json.status == 0, "\(json.output)")
        let document = try Self.json(json.stdout)
        #expect(document["version"] as? Int == 1)
        let entries = try #require(document["entries"] as? [[String: Any]])
        #expect(entries.count == 1, "\(json.stdout)")
        let entry = try #require(entries.first)
        #expect(entry["rule"] as? String == "Failed posts")
        let event = try #require(entry["event"] as? [String: Any])
        #expect(event["postId"] as? String == post.postId && event["to"] as? String == "failed")
        let disposition = try #require(entry["disposition"] as? [String: Any])
        #expect(disposition["kind"] as? String == "notified" && disposition["channel"] as? String == "hook")
        let notification = try #require(entry["notification"] as? [String: Any])
        #expect(notification["state"] as? String == "delivered")
        let attempts = try #require(notification["attempts"] as? [[String: Any]])
        #expect(attempts.map { $0["number"] as? Int } == [1, 2])
        #expect(attempts.map { $0["answer"] as? String } == ["HTTP 500", "HTTP 200"])
        #expect(attempts.map { $0["outcome"] as? String } == ["retry", "delivered"])
        let error = try #require(attempts.first?["error"] as? String)
        #expect(error.hasPrefix("HTTP 500: upstream down while posting to"), "\(error)")

        let text = try await fixture.run(["history", "--post", post.postId] + state)
        #expect(text.status == 0, "\(text.output)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("Failed posts  \(post.postId)  ") == true, "\(text.stdout)")
        #expect(lines.first?.hasSuffix("→ failed") == true, "\(text.stdout)")
        #expect(lines.dropFirst().first?.contains("sent to hook at ") == true, "\(text.stdout)")
        #expect(lines.dropFirst().first?.hasSuffix("(HTTP 200, attempt 2)") == true, "\(text.stdout)")
        #expect(lines.count == 4 && lines[2].contains("attempt 1") && lines[3].contains("attempt 2"), "\(text.stdout)")

        for output in [json.stdout, text.stdout, Self.stateBytes(fixture)] {
            #expect(!output.contains(fixture.secrets.hookToken), "the webhook's token is in the history or the state file")
        }
        let none = try await fixture.run(["history", "--post", "no_such_post"] + state)
        #expect(none.stdout == "No history matches.\n", "\(none.output)")
        let bad = try await fixture.run(["history", "--since", "soon"] + state)
        #expect(bad.status == 2 && bad.stderr.contains("--since 'soon' is not a duration"), "\(bad.output)")
        await fixture.finish()
    }

    /// `run` with a throttled rule: the first failure goes out, the second, a cycle later, is
    /// held by the throttle; the history says so, and until when.
    @Test func runRecordsAnEventHeldByTheThrottle() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK

            rule "Failed posts" {
              when failed
              notify hook
              throttle 1h
            }
            """)
        #expect(try await fixture.check().status == 0)
        let first = try fixture.movablePost()
        let second = try fixture.movablePost(excluding: [first.postId])
        fixture.sandbox.setStatus(first.postId, to: .failed)
        let daemon = try fixture.start(["run"] + fixture.common + ["--interval", "1s", "--metrics-address", "127.0.0.1:\(try Net.freePort())"])
        _ = try await fixture.receiver.waitForRequests(count: 1)
        fixture.sandbox.setStatus(second.postId, to: .failed)
        let state = ["--state", fixture.workspace.state]
        var held: [String: Any]?
        let deadline = ContinuousClock.now + .seconds(45)
        while held == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let listed = try await fixture.run(["history", "--post", second.postId, "--output", "json"] + state)
            held = (try? Self.json(listed.stdout))?["entries"].flatMap { $0 as? [[String: Any]] }?.first
        }
        daemon.signal(SIGTERM)
        _ = try await daemon.waitForExit()
        fixture.collect(daemon)
        let disposition = try #require(held?["disposition"] as? [String: Any])
        #expect(disposition["kind"] as? String == "held-by-throttle", "\(String(describing: held))")
        #expect(disposition["channel"] as? String == "hook", "held back from the rule's channel")
        #expect(disposition["until"] is String)
        #expect(held?["notification"] == nil)

        let text = try await fixture.run(["history", "--rule", "Failed posts"] + state)
        #expect(text.stdout.contains("sent to hook at "), "\(text.stdout)")
        #expect(text.stdout.contains("held by throttle until "), "\(text.stdout)")
        #expect(text.stdout.contains(" (for hook)"), "\(text.stdout)")
        let onHook = try await fixture.run(["history", "--channel", "hook", "--output", "json"] + state)
        let rows = try #require(try Self.json(onHook.stdout)["entries"] as? [[String: Any]])
        #expect(rows.compactMap { ($0["event"] as? [String: Any])?["postId"] as? String } == [first.postId, second.postId], "\(onHook.stdout)")
        let elsewhere = try await fixture.run(["history", "--channel", "mail", "--output", "json"] + state)
        #expect((try Self.json(elsewhere.stdout)["entries"] as? [[String: Any]])?.isEmpty == true, "\(elsewhere.stdout)")
        await fixture.finish()
    }
}
