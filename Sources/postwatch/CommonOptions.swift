import ArgumentParser
import Foundation
import Logging
import PostwatchApp
import Redaction

/// The options `check`, `run` and `demo` share; each also reads an environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "Infinipost API base URL (INFINIPOST_API_URL; default https://api.infinipost.co).")
    var apiUrl: String?

    @Option(help: "Infinipost API key (INFINIPOST_API_KEY). Prefer the variable or --api-key-file: flags show in `ps`.")
    var apiKey: String?

    @Option(help: "Read the API key from this file.")
    var apiKeyFile: String?

    @Option(help: "Rule file or directory of *.rules files (POSTWATCH_RULES; default ./rules).")
    var rules: String?

    @Option(help: "State file (POSTWATCH_STATE; default ./postwatch.sqlite), or a PostgreSQL database shared by replicas: postgres://USER@HOST:5432/DB?sslmode=verify-full (docs/operations.md).")
    var state: String?

    @Option(help: "The PostgreSQL password's file, for a postgres:// state (POSTWATCH_STATE_PASSWORD_FILE; else PGPASSWORD).")
    var statePasswordFile: String?

    @Option(help: "On a postgres:// state: how long the polling replica's lease runs unless renewed, e.g. 15s (POSTWATCH_LEASE; default 15s; under twice --interval).")
    var lease: String?

    @Option(help: "On a postgres:// state: this replica's name in the lease (POSTWATCH_REPLICA_ID; default HOSTNAME-PID).")
    var replicaId: String?

    @Option(name: .customLong("account"), help: "Watch only this account ID (repeatable; default: all posts).")
    var accounts: [String] = []

    @Option(help: "SMTP server: smtp://host:587 (STARTTLS required) or smtps://host:465 (POSTWATCH_SMTP_URL).")
    var smtpUrl: String?

    @Option(help: "SMTP TLS: required (default) or none, plaintext, only when asked (POSTWATCH_SMTP_TLS).")
    var smtpTls: String?

    @Option(help: "SMTP user (POSTWATCH_SMTP_USER); the password is read from POSTWATCH_SMTP_PASSWORD.")
    var smtpUser: String?

    @Option(help: "Sender address of emails (POSTWATCH_SMTP_FROM).")
    var smtpFrom: String?

    @Option(help: "A PEM file of CA certificates to trust for TLS (POSTWATCH_CA_FILE).")
    var caFile: String?

    @Option(help: "Log format: text or json (POSTWATCH_LOG_FORMAT).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (POSTWATCH_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "Keep cycles, events and delivered or dead notifications this long, e.g. 7d (POSTWATCH_RETENTION; default 30d).")
    var retention: String?

    var flags: Settings.Flags {
        var flags = Settings.Flags()
        flags.apiURL = apiUrl
        flags.apiKey = apiKey
        flags.apiKeyFile = apiKeyFile
        flags.rules = rules
        flags.state = state
        flags.statePasswordFile = statePasswordFile
        flags.lease = lease
        flags.replicaId = replicaId
        flags.accounts = accounts
        flags.smtpURL = smtpUrl
        flags.smtpTLS = smtpTls
        flags.smtpUser = smtpUser
        flags.smtpFrom = smtpFrom
        flags.caFile = caFile
        flags.logFormat = logFormat
        flags.logLevel = logLevel
        flags.retention = retention
        return flags
    }

    func settings(requireAPIKey: Bool = true) throws(CommandError) -> Settings {
        let settings = try Settings(flags: flags, requireAPIKey: requireAPIKey)
        // Log lines and the last error line are redacted from here on; the channels' secrets
        // join once the rules are loaded.
        Redactor.install(Redactor(settings: settings, channels: []))
        return settings
    }
}

/// `--state` and `--state-password-file` of the commands that read or edit the state a daemon
/// keeps (`outbox`, `history`, `silence`).
struct StateOption: ParsableArguments {
    @Option(help: "State file (POSTWATCH_STATE; default ./postwatch.sqlite), or a postgres:// URL (docs/operations.md).")
    var state: String?

    @Option(help: "The PostgreSQL password's file, for a postgres:// state (POSTWATCH_STATE_PASSWORD_FILE; else PGPASSWORD).")
    var statePasswordFile: String?

    var path: String { Settings.statePath(flag: state) }
    var passwordFile: String? { Settings.statePasswordFile(flag: statePasswordFile) }
}

extension CommandError {
    /// Prints the message to stderr (secrets redacted) and exits with the error's code.
    func exit() -> ExitCode {
        if PostwatchLogHandler.bootstrappedFormat == .json {
            // With --log-format json every stderr line is a JSON object, the final error too.
            Logger(label: "postwatch").error("\(message)", metadata: ["exit.code": .stringConvertible(Int(status.rawValue))])
        } else {
            FileHandle.standardError.write(Data("postwatch: \(Redactor.process.redact(message))\n".utf8))
        }
        return ExitCode(status.rawValue)
    }
}
