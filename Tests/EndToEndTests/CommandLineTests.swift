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
        ["run", "--interval"],
    ])
    func everyUsageErrorExitsTwo(_ arguments: [String]) async throws {
        let result = try await PostwatchBinary().run(arguments, environment: ["INFINIPOST_API_KEY": "k"])
        #expect(result.status == 2, "\(arguments): \(result.output)")
        #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"), "\(result.stderr)")
    }

    @Test func helpStillExitsZero() async throws {
        let result = try await PostwatchBinary().run(["check", "--help"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("USAGE"), "\(result.stdout)")
    }
}
