import Foundation
@testable import PostwatchApp
import Redaction
import Testing
import Watch

/// `--state postgres://…` and the options of a shared state (issue 17) as `Settings` resolves
/// them; `/readyz` on a shared state; the lease `run` refuses.
@Suite struct SharedStateSettingsTests {
    func settings(_ configure: (inout Settings.Flags) -> Void = { _ in }, environment: [String: String] = [:])
        throws(CommandError) -> Settings
    {
        var flags = Settings.Flags()
        configure(&flags)
        return try Settings(flags: flags, environment: environment, requireAPIKey: false)
    }

    static let url = "postgres://postwatch@db.internal:5432/postwatch?sslmode=disable"

    @Test func aFileStaysAFileAndAPostgresURLIsASharedState() throws {
        let file = try settings { $0.state = "/var/lib/postwatch/state.sqlite" }
        #expect(!file.state.isShared)
        #expect(file.state.description == "/var/lib/postwatch/state.sqlite")
        let shared = try settings(environment: ["POSTWATCH_STATE": Self.url, "PGPASSWORD": "pg-secret-1"])
        #expect(shared.state.isShared)
        #expect(shared.state.description == "postgres://postwatch@db.internal:5432/postwatch?sslmode=disable")
        #expect(try settings { $0.state = "POSTGRESQL://u@h/db?sslmode=disable" }.state.isShared)
    }

    @Test func thePasswordComesFromItsFileAndIsASecretNeverShown() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)")
        try "pg-secret-2\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let shared = try settings({
            $0.state = Self.url
            $0.statePasswordFile = file.path
        }, environment: ["PGPASSWORD": "not-this-one"])
        #expect(!shared.description.contains("pg-secret-2"))
        #expect(Redactor(settings: shared, channels: []).redact("auth failed for pg-secret-2") == "auth failed for [redacted]")
        // Given in the URL (warned about at start), it is never shown either.
        let inURL = try settings { $0.state = "postgres://postwatch:pg-secret-3@db.internal/postwatch?sslmode=disable" }
        #expect(!inURL.description.contains("pg-secret-3"))
        #expect(Redactor(settings: inURL, channels: []).redact("pg-secret-3") == "[redacted]")
    }

    @Test func aPasswordFileForAStateFileIsRefused() {
        let error = #expect(throws: CommandError.self) {
            try settings {
                $0.state = "./postwatch.sqlite"
                $0.statePasswordFile = "/run/secrets/pg"
            }
        }
        #expect(error?.message.contains("--state-password-file is for a postgres:// state") == true)
    }

    @Test func leaseAndReplicaIdHaveDefaultsFlagsAndVariables() throws {
        let defaults = try settings()
        #expect(defaults.lease == .seconds(15))
        #expect(defaults.replicaId.hasSuffix("-\(getpid())"))
        let given = try settings({ $0.lease = "9s" }, environment: ["POSTWATCH_REPLICA_ID": "pod-a", "POSTWATCH_LEASE": "30s"])
        #expect(given.lease == .seconds(9) && given.replicaId == "pod-a")
        for text in ["500ms", "0s", "soon"] {
            let error = #expect(throws: CommandError.self) { try settings { $0.lease = text } }
            #expect(error?.message.contains("--lease") == true, "\(text)")
        }
    }

    @Test func runRefusesALeaseOfTwoIntervalsOrMore() throws {
        try Run.checkLease(.seconds(15), interval: .seconds(60))
        try Run.checkLease(.seconds(19), interval: .seconds(10))
        let error = #expect(throws: CommandError.self) { try Run.checkLease(.seconds(20), interval: .seconds(10)) }
        #expect(error?.status == .configuration)
        #expect(error?.message.contains("--lease 20s is not under twice --interval 10s") == true, "\(String(describing: error))")
    }

    @Test func readinessOnASharedStateSaysTheRole() {
        let role = RoleBox()
        let readiness = Readiness(role: { role.value })
        #expect(!readiness.isReady && readiness.explanation == "cannot reach the shared state store yet")
        role.value = .follower
        #expect(readiness.isReady && readiness.explanation == "follower")
        role.value = .leader
        #expect(readiness.isReady && readiness.explanation == "leader")
        readiness.markBroken("broken")
        #expect(!readiness.isReady && readiness.explanation == "broken")
        // A state file: ready after the first cycle, as before.
        let file = Readiness()
        #expect(!file.isReady)
        file.markReady()
        #expect(file.isReady && file.explanation == "ready")
    }
}

private final class RoleBox: @unchecked Sendable {
    // Unchecked: set and read by one test, one after the other.
    var value = LeaseKeeper.Role.unknown
}
