import Foundation
import Logging
import PostgresState
import Watch

/// Where `--state` keeps the state: a SQLite file (the default, one process by its lock), or
/// a PostgreSQL database shared by replicas (`postgres://…`, issue 17: one polls under a
/// lease, every one delivers).
public enum StateLocation: Sendable, CustomStringConvertible {
    case file(String)
    case postgres(PostgresConfiguration)

    /// Parses `--state`: a `postgres://` or `postgresql://` URL names a database, anything
    /// else a file. The database's password comes from `--state-password-file`, else
    /// `PGPASSWORD`; its CA from `--ca-file`, else the URL's `sslrootcert`.
    public init(
        _ state: String, passwordFile: String? = nil, caFile: String? = nil, environment: [String: String]
    ) throws(CommandError) {
        guard Self.isDatabaseURL(state) else {
            if passwordFile != nil {
                throw CommandError(.configuration, "--state-password-file is for a postgres:// state; '\(state)' is a state file")
            }
            self = .file(state)
            return
        }
        do {
            let password = try PostgresConfiguration.password(environment: environment, file: passwordFile)
            self = .postgres(try PostgresConfiguration(url: state, password: password, caFile: caFile))
        } catch {
            throw CommandError(.configuration, "\(error)")
        }
    }

    /// Whether `--state` names a database rather than a file.
    public static func isDatabaseURL(_ state: String) -> Bool {
        let lowered = state.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// True for a database several replicas share.
    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The file's path or the database's URL, never its password.
    public var description: String {
        switch self {
        case .file(let path): path
        case .postgres(let configuration): configuration.description
        }
    }

    /// The database's password, for the redactor: never in a log line or an error.
    var secret: String? {
        guard case .postgres(let configuration) = self else { return nil }
        return configuration.password
    }

    /// For the commands that read or edit the state a daemon keeps (`outbox`, `history`,
    /// `silence`): the shared store `state` names, connected and migrated (an unreachable or
    /// too new database fails here, with its reason); nil when `state` is a file's path.
    static func sharedStore(
        _ state: String, passwordFile: String?, environment: [String: String] = Settings.processEnvironment
    ) async throws(CommandError) -> PostgresStore? {
        guard case .postgres(let configuration) = try StateLocation(state, passwordFile: passwordFile, environment: environment)
        else { return nil }
        let logger = Logger(label: "postwatch")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        do {
            return try await PostgresStore.open(configuration: configuration, replicaId: Settings.defaultReplicaId, logger: logger)
        } catch {
            throw CommandError(.configuration, "\(error)", code: "store")
        }
    }
}
