import Foundation
import Testing
import TestSupport

/// The command line itself: what a mistyped invocation exits with.
@Suite struct CommandLineTests {
    /// Usage errors exited 64 (ArgumentParser's default) while README, the systemd unit's
    /// `RestartPreventExitStatus=2`, the CronJob and the workflow all expect 2.
    @Test(arguments: [
        ["--bogus"],
        ["rules", "lint", "--format", "yaml"],
        ["check", "--interval", "1s"],
        ["outbox", "list", "--limit", "many"],
        ["history", "--limit"],
        ["run", "--interval"],
    ])
    func everyUsageErrorExitsTwo(_ arguments: [String]) async throws {
        let result = try await PostwatchBinary().run(arguments, environment: ["INFINIPOST_API_KEY": "k"])
        #expect(result.status == 2, "\(arguments): \(result.output)")
        #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"), "\(result.stderr)")
    }

    /// `postwatch --version`: the release and the commit it was built from.
    @Test func versionNamesTheReleaseAndTheCommit() async throws {
        let result = try await PostwatchBinary().run(["--version"])
        #expect(result.status == 0, "\(result.output)")
        let line = result.stdout.trimmingCharacters(in: .newlines)
        #expect(line.wholeMatch(of: /postwatch \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)/) != nil, "\(line)")
    }

    /// `make install` writes these: they must name every command (generated from the definitions).
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryCommand(_ shell: String) async throws {
        let result = try await PostwatchBinary().run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.output)")
        for command in ["check", "run", "rules", "config", "channel", "outbox", "history", "sandbox", "retention", "all-dead"] {
            #expect(result.stdout.contains(command), "\(shell): \(command)")
        }
    }

    @Test func helpStillExitsZero() async throws {
        let result = try await PostwatchBinary().run(["check", "--help"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("USAGE"), "\(result.stdout)")
    }
}

/// `postwatch config check` against real files: every problem `run` would stop on, at once.
@Suite struct ConfigCheckTests {
    @Test func everyProblemIsListedInOnePass() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.writeRules(
            """
            channel mail = email "oncall@example.com"
            channel chat = slack env:CONFIG_CHECK_UNSET_HOOK

            rule "Failures" {
              when failed
              notify mail, chat
            }
            """)
        try Data("not sqlite".utf8).write(to: URL(fileURLWithPath: workspace.state))
        let result = try await PostwatchBinary().run(
            ["config", "check", "--rules", workspace.rules, "--state", workspace.state, "--interval", "0s"],
            environment: ["INFINIPOST_API_KEY": ""], directory: workspace.path)
        #expect(result.status == 2, "\(result.output)")
        for expected in [
            "error  API key: no API key", "error  --interval: --interval must be longer than 0s",
            "environment variable CONFIG_CHECK_UNSET_HOOK is not set", "error  state file:", "is not a postwatch state file",
            "problem(s): run would not start",
        ] {
            #expect(result.stdout.contains(expected), "missing '\(expected)' in:\n\(result.stdout)")
        }
    }

    /// Rules that load but name an email channel without SMTP settings: `rules lint` passes,
    /// `run` would exit 2; `config check` says so before.
    @Test func anEmailChannelWithoutSMTPIsAProblemAndAGoodSetupIsOK() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.writeRules(
            """
            channel mail = email "oncall@example.com"
            rule "Failures" {
              when failed
              notify mail
            }
            """)
        let arguments = ["config", "check", "--rules", workspace.rules, "--state", workspace.state, "--metrics-address", "127.0.0.1:0"]
        let missing = try await PostwatchBinary().run(arguments, environment: ["INFINIPOST_API_KEY": "k"], directory: workspace.path)
        #expect(missing.status == 2, "\(missing.output)")
        #expect(missing.stdout.contains("error  channels:"), "\(missing.stdout)")
        #expect(missing.stdout.contains("1 problem(s)"), "\(missing.stdout)")

        let good = try await PostwatchBinary().run(
            arguments + ["--smtp-url", "smtp://127.0.0.1:2525", "--smtp-tls", "none", "--smtp-from", "pw@example.com"],
            environment: ["INFINIPOST_API_KEY": "k"], directory: workspace.path)
        #expect(good.status == 0, "\(good.output)")
        #expect(good.stdout.hasSuffix("configuration OK\n"), "\(good.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.state), "a check creates nothing")
    }
}
