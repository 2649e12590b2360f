import Curl
import Foundation
import Infinipost
import Logging
import Timekeeping
import Watch

/// Everything `check`, `run` and `demo` need, resolved from flags, environment and files.
///
/// The executable fills `Settings.Flags` from the command line; `Settings(flags:environment:)`
/// applies the environment variables and defaults of DESIGN.md and reads secret files, so
/// nothing downstream reads the environment. `Redactor(settings:channels:)` collects its secrets.
public struct Settings: Sendable {
    /// The command line as typed; nil means "not given".
    public struct Flags: Sendable {
        public var apiURL: String?
        public var apiKey: String?
        public var apiKeyFile: String?
        public var rules: String?
        public var state: String?
        /// `--state-password-file`: the database's password, for a `postgres://` state.
        public var statePasswordFile: String?
        /// `--lease`, like `15s`: how long the polling replica's lease runs unless renewed.
        public var lease: String?
        /// `--replica-id`: this replica's name in the lease and in its connections.
        public var replicaId: String?
        public var accounts: [String] = []
        public var smtpURL: String?
        public var smtpTLS: String?
        public var smtpUser: String?
        public var smtpFrom: String?
        public var caFile: String?
        public var logFormat: String?
        public var logLevel: String?
        /// `--retention`, like `30d`.
        public var retention: String?
        public init() {}
    }

    public struct SMTP: Sendable {
        public enum TLS: String, Sendable { case required, none }
        public var url: String
        public var tls: TLS
        public var user: String?
        public var password: String?
        public var from: String?
    }

    public var apiURL: String
    public var apiKey: String
    public var rulesPath: String
    /// `--state` as given: a file's path, or a `postgres://` URL (see ``state``).
    public var statePath: String
    /// Where the state is kept: a file, or a database shared by replicas.
    public var state: StateLocation
    /// The polling replica's lease on a shared state (`--lease`, default 15s): a follower
    /// takes over at most this long after the leader stops renewing it.
    public var lease: Duration
    /// This replica's name in the lease (`--replica-id`; default host name and process id).
    public var replicaId: String
    public var accounts: [String]
    public var smtp: SMTP?
    public var caFile: String?
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    /// How long cycles, events and settled notifications are kept (`--retention`, default 30d).
    public var retention: Duration
    /// The environment, for `env:NAME` secrets in rule files.
    public var environment: [String: String]

    public static let defaultAPIURL = "https://api.infinipost.co"

    /// Resolves flags, then environment variables, then defaults.
    ///
    /// - Parameter requireAPIKey: false for commands that never call the API.
    public init(flags: Flags, environment: [String: String], requireAPIKey: Bool = true)
        throws(CommandError)
    {
        func value(_ flag: String?, _ variable: String) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let env = environment[variable], !env.isEmpty { return env }
            return nil
        }
        apiURL = value(flags.apiURL, "INFINIPOST_API_URL") ?? Self.defaultAPIURL
        guard let parsed = URL(string: apiURL), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
            parsed.host != nil
        else {
            throw CommandError(.configuration, "--api-url '\(apiURL)' is not an http(s) URL")
        }

        if flags.apiKey != nil, flags.apiKeyFile != nil {
            throw CommandError(.configuration, "give the API key once: --api-key or --api-key-file, not both")
        }
        if let file = flags.apiKeyFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandError(.configuration, "cannot read the API key file '\(file)'")
            }
            apiKey = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            apiKey = value(flags.apiKey, "INFINIPOST_API_KEY") ?? ""
        }
        if requireAPIKey, apiKey.isEmpty {
            throw CommandError(
                .configuration, "no API key: set INFINIPOST_API_KEY, or pass --api-key-file PATH (or --api-key)")
        }

        rulesPath = value(flags.rules, "POSTWATCH_RULES") ?? "./rules"
        statePath = value(flags.state, "POSTWATCH_STATE") ?? "./postwatch.sqlite"
        accounts = flags.accounts
        caFile = value(flags.caFile, "POSTWATCH_CA_FILE")
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw CommandError(.configuration, "cannot read the CA file '\(caFile)'")
        }
        state = try StateLocation(
            statePath, passwordFile: value(flags.statePasswordFile, "POSTWATCH_STATE_PASSWORD_FILE"), caFile: caFile,
            environment: environment)
        lease = try Self.lease(value(flags.lease, "POSTWATCH_LEASE"))
        replicaId = value(flags.replicaId, "POSTWATCH_REPLICA_ID") ?? Self.defaultReplicaId

        let formatText = value(flags.logFormat, "POSTWATCH_LOG_FORMAT") ?? "text"
        guard let format = LogFormat(rawValue: formatText) else {
            throw CommandError(.configuration, "--log-format must be text or json, not '\(formatText)'")
        }
        logFormat = format
        let levelText = value(flags.logLevel, "POSTWATCH_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw CommandError(
                .configuration,
                "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(levelText)'")
        }
        logLevel = level
        retention = try Self.retention(value(flags.retention, "POSTWATCH_RETENTION"))

        if let url = value(flags.smtpURL, "POSTWATCH_SMTP_URL") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw CommandError(.configuration, "--smtp-url must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)")
            }
            let tlsText = value(flags.smtpTLS, "POSTWATCH_SMTP_TLS") ?? "required"
            guard let tls = SMTP.TLS(rawValue: tlsText) else {
                throw CommandError(.configuration, "--smtp-tls must be required or none, not '\(tlsText)'")
            }
            let password = environment["POSTWATCH_SMTP_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            let user = value(flags.smtpUser, "POSTWATCH_SMTP_USER")
            // Without TLS, AUTH PLAIN/LOGIN put the password on the wire as base64: only to a
            // relay on this machine, never silently across a network.
            if tls == .none, user != nil || password != nil {
                let host = URL(string: url)?.host ?? ""
                guard CurlTransport.isLoopback(url: url) else {
                    throw CommandError(
                        .configuration,
                        "--smtp-tls none with a login would send the SMTP password in clear to '\(host)': "
                            + "use STARTTLS (smtp:// with --smtp-tls required) or smtps://; a login without TLS is "
                            + "allowed only to a relay on this machine (localhost, 127.0.0.0/8, ::1)")
                }
            }
            smtp = SMTP(
                url: url, tls: tls, user: user, password: password,
                from: value(flags.smtpFrom, "POSTWATCH_SMTP_FROM"))
        }
        self.environment = environment
    }

    /// `--lease`: at least a second (renewed every third of it); nil means 15s.
    static func lease(_ text: String?) throws(CommandError) -> Duration {
        guard let text else { return .seconds(15) }
        let lease = try Duration(option: text, named: "--lease")
        guard lease >= .seconds(1) else {
            throw CommandError(.configuration, "--lease must be at least 1s (it was '\(text)'): it is renewed every third of it")
        }
        return lease
    }

    /// Host name and process id: unique among replicas on distinct hosts (pods) and on one.
    static var defaultReplicaId: String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "postwatch"
        return "\(host)-\(getpid())"
    }

    /// `--retention`: a positive duration; nil means the default.
    static func retention(_ text: String?) throws(CommandError) -> Duration {
        guard let text else { return Retention.defaultPeriod }
        guard let duration = Duration(parsing: text) else {
            throw CommandError(.configuration, "--retention '\(text)' is not a duration like 12h, 7d or 30d")
        }
        // Zero would prune every event as soon as it is recorded: not a retention anyone means.
        guard duration > .zero else {
            throw CommandError(.configuration, "--retention must be longer than 0 (it was '\(text)')")
        }
        return duration
    }
}

/// Printing settings (a service's description, a debug log line) shows where things are and
/// never a secret: neither the API key, the SMTP password, nor the environment the rules read.
extension Settings: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "Settings(apiURL: \(apiURL), rules: \(rulesPath), state: \(state), retention: \(retention.compactDescription), accounts: \(accounts.count), smtp: \(smtp == nil ? "none" : "set"))"
    }
    public var debugDescription: String { description }
}
