import Foundation
import NIOSSL
import PostgresNIO
import Rules

/// Where the shared store is and how to reach it, from `--state postgres://…` (issue 17).
///
/// ```swift
/// let configuration = try PostgresConfiguration(
///     url: "postgres://postwatch@db.internal:5432/postwatch?sslmode=verify-full",
///     password: try PostgresConfiguration.password(environment: env, file: passwordFile))
/// ```
/// `postgresql://` is the same. The query may give `sslmode` (`disable`, `require`, `verify-ca`
/// or `verify-full`, the default: TLS with the server's certificate checked against the CA and
/// its name against the host, as a store holding delivery state deserves), `sslrootcert` (the
/// CA's PEM file; `--ca-file` wins over it) and `connect_timeout` (seconds). The password comes
/// from `PGPASSWORD` or `--state-password-file`; one written in the URL is accepted but
/// ``warnings`` says it should not be there, and ``description`` never shows it.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// How much TLS, as libpq's `sslmode` says it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS, the server's certificate not checked (encryption against eavesdropping only).
        case require
        /// TLS, the certificate checked against the CA, its name not checked.
        case verifyCA = "verify-ca"
        /// TLS, the certificate checked against the CA and its name against the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// Never printed, never in an error.
    public var password: String?
    public var tlsMode: TLSMode
    /// The CA's PEM file the server's certificate is checked against; nil: the system's roots.
    public var caFile: String?
    public var connectTimeout: Duration
    /// Connections the store's pool may open at once.
    public var maximumConnections: Int
    /// An idle connection is closed after this long.
    public var idleTimeout: Duration
    /// How long an outbox entry a replica claimed stays its own without a word from it (on
    /// the database's clock): a replica that dies mid-send leaves its claims to the others
    /// after this long. A live replica's delivery loop renews its claims at every poll.
    public var claimLease: Duration
    /// What the URL carried that it should not (a password), to be logged at start.
    public private(set) var warnings: [String] = []

    /// Parses a state URL; `password` (from `PGPASSWORD` or a password file) wins over one in
    /// the URL, `caFile` (`--ca-file`) over the URL's `sslrootcert`.
    public init(url: String, password: String? = nil, caFile: String? = nil) throws(PostgresConfigurationError) {
        let shown = Self.redacted(url)
        func fail(_ code: PostgresConfigurationError.Code, _ message: String) -> PostgresConfigurationError {
            PostgresConfigurationError(code, "the state URL \(shown): \(message)")
        }
        if let port = Self.portText(url), Int(port) == nil {
            throw fail(.url, "the port \"\(port)\" is not a number")
        }
        guard let components = URLComponents(string: url) else {
            throw fail(.url, "not a URL (expected postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full)")
        }
        guard let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme) else {
            throw fail(.url, "the scheme is \(components.scheme.map { "\"\($0)\"" } ?? "missing"); expected postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw fail(.url, "no host after postgres://") }
        // `[::1]` comes back with its brackets.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let port = components.port {
            guard (1...65535).contains(port) else { throw fail(.url, "the port \(port) is not between 1 and 65535") }
            self.port = port
        } else {
            self.port = 5432
        }
        guard let user = components.user, !user.isEmpty else {
            throw fail(.url, "no user: write it before the host (postgres://USER@\(host)/…)")
        }
        self.user = user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else { throw fail(.url, "the database \"\(path)\" has a slash; one name after the host") }
        // PostgreSQL's own default: the database named as the user.
        self.database = path.isEmpty ? user : path
        self.password = password
        if let inURL = components.password {
            if password == nil { self.password = inURL }
            warnings.append(
                "the state URL carries a password: give it with PGPASSWORD or --state-password-file instead (a URL is shown in process lists and logs)")
        }
        var tlsMode = TLSMode.verifyFull
        var rootCertificate: String?
        var connectTimeout = Duration.seconds(10)
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    let known = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    let hint = ["prefer", "allow"].contains(value)
                        ? " (\(value) would fall back to no TLS without saying so; write disable if that is meant)" : ""
                    throw fail(.sslmode, "sslmode=\(value) is not one of \(known)\(hint)")
                }
                tlsMode = mode
            case "sslrootcert":
                rootCertificate = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw fail(.url, "connect_timeout=\(value) is not a whole number of seconds above 0")
                }
                connectTimeout = .seconds(seconds)
            default:
                let known = ["sslmode", "sslrootcert", "connect_timeout"]
                let near = Suggestion.closest(to: item.name, in: known)
                throw fail(.url, "unknown parameter \(item.name)" + (near.map { " (did you mean \($0)?)" } ?? "")
                    + "; known: " + known.joined(separator: ", "))
            }
        }
        self.tlsMode = tlsMode
        self.caFile = caFile ?? rootCertificate
        self.connectTimeout = connectTimeout
        self.maximumConnections = 10
        self.idleTimeout = .seconds(60)
        self.claimLease = .seconds(60)
    }

    /// The password of `--state-password-file` (its first line), else `PGPASSWORD` from
    /// `environment`; nil when neither gives one.
    public static func password(environment: [String: String], file: String?) throws(PostgresConfigurationError) -> String? {
        if let file {
            let contents: String
            do {
                contents = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw PostgresConfigurationError(.passwordFile, "cannot read the password file \(file): \(Self.reason(error))")
            }
            let line = contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !line.isEmpty else { throw PostgresConfigurationError(.passwordFile, "the password file \(file) is empty") }
            return line
        }
        return environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The URL without its password: `postgres://user@host:port/database?sslmode=…`.
    public var description: String {
        var query = "sslmode=\(tlsMode.rawValue)"
        if let caFile { query += "&sslrootcert=\(caFile)" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)?\(query)"
    }

    /// The pool's configuration; the connections say `application_name` so that an operator
    /// (or a test) can find one replica's connections in `pg_stat_activity`. postgres-nio checks
    /// the certificate's name against the host (and sends it as SNI) unless the host is an IP
    /// address, which is then checked against the certificate's IP addresses instead.
    func clientConfiguration(applicationName: String) throws(PostgresConfigurationError) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = try tlsConfiguration().map { .require($0) } ?? .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectionIdleTimeout = idleTimeout
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// The same for one connection outside the pool (the migration's: the pool retries a
    /// failing connect for a minute and then forgets why it failed).
    func connectionConfiguration(applicationName: String) throws(PostgresConfigurationError) -> PostgresConnection.Configuration {
        var tls = PostgresConnection.Configuration.TLS.disable
        if let configuration = try tlsConfiguration() {
            do {
                tls = .require(try NIOSSLContext(configuration: configuration))
            } catch {
                throw PostgresConfigurationError(.caFile, "cannot set up TLS with the CA file \(caFile ?? "-"): \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// What `sslmode` asks of TLS; nil for none.
    private func tlsConfiguration() throws(PostgresConfigurationError) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable: return nil
        case .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let caFile, tlsMode != .require {
            do {
                // The given CA alone, as libpq's sslrootcert: a public CA must not vouch for the
                // database's certificate.
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw PostgresConfigurationError(.caFile, "cannot read the CA file \(caFile) (PEM certificates expected): \(Self.reason(error))")
            }
        }
        return tls
    }

    /// What stands after the host's `:` in `url`, if anything (`[::1]:5432` too).
    private static func portText(_ url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        let afterHost = hostPort.hasPrefix("[") ? hostPort.drop { $0 != "]" }.dropFirst() : hostPort
        guard let colon = afterHost.firstIndex(of: ":") else { return nil }
        return String(afterHost[afterHost.index(after: colon)...])
    }

    /// `url` with any password replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else {
            // Not parseable: cut whatever sits between `//user:` and `@`.
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"),
                  let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
            else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
        components.password = "***"
        return components.string ?? "postgres://***"
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return "\(error)"
    }
}
