import Foundation
@testable import PostgresState
import Testing

/// `--state postgres://…` as users write it, and as they get it wrong: every error says what is
/// wrong, and no message, description or error ever shows the password.
@Suite struct PostgresConfigurationTests {
    @Test func aFullURLGivesEveryPart() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://watcher@db.internal:6543/alerts?sslmode=verify-ca&sslrootcert=/etc/ca.pem&connect_timeout=3")
        #expect(configuration.user == "watcher")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "alerts")
        #expect(configuration.tlsMode == .verifyCA)
        #expect(configuration.caFile == "/etc/ca.pem")
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.password == nil)
        #expect(configuration.warnings.isEmpty)
    }

    @Test func defaultsArePostgresOwnAndTLSVerifiedInFull() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://watcher@db.internal")
        #expect(configuration.port == 5432)
        // PostgreSQL's own default: the database named as the user.
        #expect(configuration.database == "watcher")
        #expect(configuration.tlsMode == .verifyFull)
        #expect(configuration.caFile == nil)
        #expect(configuration.description == "postgres://watcher@db.internal:5432/watcher?sslmode=verify-full")
    }

    @Test func anIPv6HostLosesItsBrackets() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u@[::1]:5433/db?sslmode=disable")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5433)
        #expect(configuration.description == "postgres://u@[::1]:5433/db?sslmode=disable")
    }

    @Test func theCAFileOptionWinsOverTheURL() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u@h/db?sslrootcert=/url/ca.pem", caFile: "/option/ca.pem")
        #expect(configuration.caFile == "/option/ca.pem")
    }

    @Test(arguments: [
        ("mysql://u@h/db", "scheme is \"mysql\""),
        ("postgres://u@h:abc/db", "the port \"abc\" is not a number"),
        ("postgres://u@h:70000/db", "not between 1 and 65535"),
        ("postgres://h/db", "no user"),
        ("postgres://u@h/db/more", "has a slash"),
        ("postgres://u@h/db?sslmode=prefer", "sslmode=prefer is not one of disable, require, verify-ca, verify-full"),
        ("postgres://u@h/db?sslmod=disable", "unknown parameter sslmod (did you mean sslmode?)"),
        ("postgres://u@h/db?connect_timeout=soon", "connect_timeout=soon is not a whole number"),
    ])
    func aBadURLSaysWhatIsWrong(_ url: String, _ expected: String) {
        #expect {
            try PostgresConfiguration(url: url)
        } throws: { error in
            let message = "\(error)"
            return message.contains(expected) && message.contains("the state URL")
        }
    }

    @Test func aBadSSLModeHasItsOwnCode() {
        #expect {
            try PostgresConfiguration(url: "postgres://u@h/db?sslmode=verify")
        } throws: { error in
            (error as? PostgresConfigurationError)?.code == .sslmode
        }
    }

    @Test func aPasswordInTheURLIsUsedWarnedAboutAndNeverShown() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:s3cr%3Et@h/db?sslmode=disable")
        #expect(configuration.password == "s3cr>t")
        #expect(configuration.warnings.count == 1)
        #expect(!configuration.description.contains("s3cr"))
        #expect(!"\(configuration)".contains("s3cr"))
        // In an error about another part of the URL.
        #expect {
            try PostgresConfiguration(url: "postgres://u:s3cr%3Et@h/db?sslmode=sometimes")
        } throws: { error in
            let message = "\(error)"
            return !message.contains("s3cr") && message.contains("u:***@h")
        }
        #expect {
            try PostgresConfiguration(url: "postgres://u:s3cret@h:port/db")
        } throws: { error in
            !"\(error)".contains("s3cret")
        }
    }

    @Test func aGivenPasswordWinsOverTheURLs() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:old@h/db", password: "new")
        #expect(configuration.password == "new")
        #expect(!configuration.warnings.isEmpty)
    }

    @Test func thePasswordComesFromTheFileFirstThenPGPASSWORD() throws {
        let file = NSTemporaryDirectory() + "pw-\(UUID().uuidString)"
        try "from-file\nignored\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try PostgresConfiguration.password(environment: ["PGPASSWORD": "from-env"], file: file) == "from-file")
        #expect(try PostgresConfiguration.password(environment: ["PGPASSWORD": "from-env"], file: nil) == "from-env")
        #expect(try PostgresConfiguration.password(environment: ["PGPASSWORD": ""], file: nil) == nil)
        #expect(try PostgresConfiguration.password(environment: [:], file: nil) == nil)
    }

    @Test func aPasswordFileThatIsMissingOrEmptyIsAnError() throws {
        let missing = NSTemporaryDirectory() + "missing-\(UUID().uuidString)"
        #expect {
            try PostgresConfiguration.password(environment: [:], file: missing)
        } throws: { error in
            (error as? PostgresConfigurationError)?.code == .passwordFile && "\(error)".contains(missing)
        }
        let empty = NSTemporaryDirectory() + "empty-\(UUID().uuidString)"
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect {
            try PostgresConfiguration.password(environment: [:], file: empty)
        } throws: { error in
            "\(error)".contains("is empty")
        }
    }

    @Test func aCAFileThatDoesNotReadFailsTheStoreAtOnce() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://u@h/db?sslmode=verify-full", caFile: "/nonexistent/ca-\(UUID().uuidString).pem")
        #expect {
            try PostgresStore(configuration: configuration, replicaId: "r")
        } throws: { error in
            (error as? PostgresConfigurationError)?.code == .caFile && "\(error)".contains("/nonexistent/ca-")
        }
    }
}
