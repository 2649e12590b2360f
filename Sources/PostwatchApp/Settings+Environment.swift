import Foundation

/// The process environment, read here and nowhere else: the executable passes flags, and the
/// settings apply the environment variables and defaults of the README's configuration table.
extension Settings {
    /// The environment postwatch was started with.
    public static var processEnvironment: [String: String] { ProcessInfo.processInfo.environment }

    /// Resolves flags, then the process's environment variables, then defaults.
    public init(flags: Flags, requireAPIKey: Bool = true) throws(CommandError) {
        try self.init(flags: flags, environment: Self.processEnvironment, requireAPIKey: requireAPIKey)
    }

    /// `--rules` for the commands that take only it (`rules lint`, `rules test`): its default is
    /// `POSTWATCH_RULES`, else `./rules`.
    public static func defaultRulesPath(environment: [String: String] = processEnvironment) -> String {
        environment["POSTWATCH_RULES"] ?? "./rules"
    }

    /// `--state` for the commands that take only it (`outbox`): the flag, else a non-empty
    /// `POSTWATCH_STATE`, else `./postwatch.sqlite`.
    public static func statePath(flag: String?, environment: [String: String] = processEnvironment) -> String {
        given(flag, else: "POSTWATCH_STATE", environment) ?? "./postwatch.sqlite"
    }

    /// `--state-password-file` for those commands: the flag, else a non-empty
    /// `POSTWATCH_STATE_PASSWORD_FILE`.
    public static func statePasswordFile(flag: String?, environment: [String: String] = processEnvironment) -> String? {
        given(flag, else: "POSTWATCH_STATE_PASSWORD_FILE", environment)
    }

    /// A non-empty flag, else a non-empty environment variable.
    private static func given(_ flag: String?, else variable: String, _ environment: [String: String]) -> String? {
        flag.flatMap { $0.isEmpty ? nil : $0 } ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The texts of `run`'s own options (`config check` reads them too), before parsing: the
    /// flag, else `POSTWATCH_INTERVAL` / `POSTWATCH_METRICS_ADDRESS` / …, else the default.
    public struct DaemonTexts: Sendable {
        public var interval: String
        public var metricsAddress: String
        /// The HTTP API's address (`POSTWATCH_API_ADDRESS`), and its token file
        /// (`POSTWATCH_API_TOKEN_FILE`): without one, no API is served.
        public var apiAddress: String
        public var apiTokenFile: String?

        public init(
            interval: String?, metricsAddress: String?, apiAddress: String? = nil, apiTokenFile: String? = nil,
            environment: [String: String] = Settings.processEnvironment
        ) {
            self.interval = interval ?? environment["POSTWATCH_INTERVAL"] ?? "60s"
            self.metricsAddress = metricsAddress ?? environment["POSTWATCH_METRICS_ADDRESS"] ?? "127.0.0.1:9464"
            self.apiAddress = apiAddress ?? environment["POSTWATCH_API_ADDRESS"] ?? APIServer.Configuration.defaultAddress
            self.apiTokenFile = apiTokenFile ?? environment["POSTWATCH_API_TOKEN_FILE"]
        }

        /// The API's configuration, nil when no token file is given.
        public func api() throws(CommandError) -> APIServer.Configuration? {
            guard let apiTokenFile else { return nil }
            return APIServer.Configuration(
                address: try APIServer.Configuration.address(parsing: apiAddress), token: try APIToken(file: apiTokenFile))
        }
    }
}
