import Foundation
import PostwatchApp
import Testing
@testable import Rules

/// `rules lint` and `rules test` as the CLI runs them (output text and exit code).
@Suite struct CommandTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var examples: String { repository.appendingPathComponent("rules").path }
    /// The CI job's rules: a directory of their own inside rules/, which the daemon's load skips.
    static var ciExamples: String { repository.appendingPathComponent("rules/ci").path }
    static var events: URL { Bundle.module.url(forResource: "Corpus", withExtension: nil)?.appendingPathComponent("events") ?? repository }
    static let secrets = [
        "OPS_SLACK_WEBHOOK": "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
        "ONCALL_EMAILS": "oncall@example.com, ops@example.com",
        "TEAM_MATTERMOST_WEBHOOK": "https://chat.example.com/hooks/abcSECRET",
    ]

    @Test func exampleRulesLintClean() {
        let output = RulesLint.run(.init(path: Self.examples, environment: Self.secrets))
        #expect(output.exitCode == 0)
        #expect(output.stdout.hasSuffix(": 6 rules, 3 channels, no problems\n"))
    }

    /// Issue 14: the CI rules lived in rules/ with the daemon's, so the daemon printed to its
    /// console and a CI job loading rules/ paged ops a second time.
    @Test func ciRulesAreApartFromTheDaemonsAndNeedNoSecrets() {
        let failed = [Self.events.appendingPathComponent("failed-tiktok.json").path]
        let ci = RulesTest.run(.init(path: Self.ciExamples, eventFiles: failed, environment: [:]))
        #expect(ci.exitCode == 1)  // a warning fired
        #expect(ci.stdout.contains("fires \"CI: failed posts\" (warning) -> console"))
        #expect(!ci.stdout.contains("-> ops"))
        #expect(RulesLint.run(.init(path: Self.ciExamples, environment: [:])).exitCode == 0)
        let daemon = RulesTest.run(.init(path: Self.examples, eventFiles: failed, environment: [:]))
        #expect(!daemon.stdout.contains("CI: failed posts"))
    }

    @Test func lintReportsMissingSecretsByNameOnly() {
        let output = RulesLint.run(.init(path: Self.examples, environment: ["OPS_SLACK_WEBHOOK": "https://hooks.slack.com/x"]))
        #expect(output.exitCode == 2)
        #expect(output.stdout.contains("ops.rules:8:24: error: environment variable ONCALL_EMAILS is not set"))
        #expect(output.stdout.contains("team.rules:8:27: error: environment variable TEAM_MATTERMOST_WEBHOOK is not set"))
        #expect(output.stdout.hasSuffix("2 errors; nothing loaded\n"))
        let skipped = RulesLint.run(.init(path: Self.examples, environment: [:], skipSecrets: true))
        #expect(skipped.exitCode == 0)
    }

    @Test func lintJSONForEditors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.rules")
        try "channel ops = console\nchannel x = console\nrule \"r\" {\n  when failed\n  where platform = tiktoc\n  notify ops\n}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let output = RulesLint.run(.init(path: directory.path, format: .json, environment: [:]))
        #expect(output.exitCode == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == false)
        #expect(json["errors"] as? Int == 1)
        let first = try #require((json["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["file"] as? String == file.path)
        #expect(first["line"] as? Int == 5)
        #expect(first["column"] as? Int == 20)
        #expect(first["endColumn"] as? Int == 26)
        #expect(first["severity"] as? String == "error")
        #expect(first["message"] as? String == "unknown platform 'tiktoc'; did you mean 'tiktok'?")

        try "channel ops = console\nchannel x = console\nrule \"r\" {\n  when failed\n  notify ops\n}\n".write(to: file, atomically: true, encoding: .utf8)
        let clean = RulesLint.run(.init(path: directory.path, format: .json, environment: [:]))
        #expect(clean.exitCode == 0)
        let warning = try #require(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        #expect(warning["warnings"] as? Int == 1)
    }

    @Test func testCommandShowsFiringRulesAndExitsOneOnCritical() {
        let output = RulesTest.run(.init(
            path: Self.examples, eventFiles: [Self.events.appendingPathComponent("failed-tiktok.json").path], environment: [:]))
        #expect(output.exitCode == 1)
        #expect(output.stdout.contains("pending_render -> failed"))
        #expect(output.stdout.contains("fires \"TikTok posts failed\" (critical) -> ops, oncall"))
        #expect(output.stdout.contains("[ops] 1 TikTok post(s) failed for acc_1a2b3c4d5e"))
        #expect(!output.stdout.contains("Instagram posts failed"))
        #expect(!output.stdout.contains("held back"))  // `suppressed` is absent when zero
        // Rendered per channel: the Slack message escapes a caption's `<!channel>`, the email keeps it.
        #expect(output.stdout.contains("#viral &lt;!channel&gt;"))
        #expect(output.stdout.contains("[oncall] 1 TikTok post(s) failed"))
    }

    @Test func testCommandCoversEveryExampleFile() {
        let output = RulesTest.run(.init(
            path: Self.examples, eventFiles: [Self.events.appendingPathComponent("mixed.json").path], environment: Self.secrets))
        #expect(output.exitCode == 1)  // "Stuck posts" is a warning
        #expect(output.stdout.contains("fires \"Posted\" (info) -> team"))
        #expect(output.stdout.contains("[team] 1 new instagram post(s) for acc"))
        #expect(output.stdout.contains("(posted 12m 12s after its scheduled time): Step by step tutorial 🔥"))
        #expect(output.stdout.contains("fires \"Posted late\" (info) -> team"))
        #expect(output.stdout.contains("overdue (pending_render)\n  fires \"Stuck posts\" (warning) -> ops"))
        #expect(output.stdout.contains("generated -> deleted\n  fires \"Deleted before going out\" (info) -> ops"))
        #expect(output.stdout.hasSuffix("3 events, 4 firing; highest severity warning\n"))
        #expect(!output.stdout.contains("SECRET"))
    }

    @Test func testCommandExitsZeroWhenOnlyInfoFires() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            {"postId": "p1", "accountId": "a1", "platform": "tiktok", "contentType": "video", "contentUrl": "https://x/v.mp4",
             "thumbnailUrl": null, "caption": "hi", "soundId": null, "timezone": "UTC", "scheduledTime": "2024-04-22T16:00:00Z",
             "status": "posted", "postedAt": "2024-04-22T16:00:05Z", "createdAt": "2024-04-21T16:00:00Z", "from": "pending_render"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let output = RulesTest.run(.init(path: Self.examples, eventFiles: [file.path], environment: [:]))
        #expect(output.exitCode == 0)
        #expect(output.stdout.contains("fires \"Posted\" (info)"))
        #expect(!output.stdout.contains("Posted late"))
    }

    @Test func testCommandErrors() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"postId\": \"p1\"}".write(to: file, atomically: true, encoding: .utf8)
        let output = RulesTest.run(.init(path: Self.examples, eventFiles: [file.path], environment: [:]))
        #expect(output.exitCode == 2)
        #expect(output.stderr.contains("missing field \"accountId\""))
        let none = RulesTest.run(.init(path: Self.examples, eventFiles: [], environment: [:]))
        #expect(none.exitCode == 2)
        let badRules = RulesTest.run(.init(path: "/nonexistent-\(UUID().uuidString)", eventFiles: [file.path], environment: [:]))
        #expect(badRules.exitCode == 2)
    }
}
