import Curl
import Foundation
import Logging
import Notify
import Redaction
import Rules
import Timekeeping
import Watch

/// `postwatch config check`: everything `run` would refuse at start, found in one pass
/// (like `amtool check-config`), so a systemd `ExecStartPre=` or a deploy pipeline stops on a
/// broken configuration before the daemon does, with every problem listed at once.
public struct ConfigCheck: Sendable {
    /// What `run` is started with besides the common settings.
    public struct Options: Sendable {
        public var interval: String
        public var metricsAddress: String
        /// `--api-address` and `--api-token-file` (nil: no API, nothing to check).
        public var apiAddress: String
        public var apiTokenFile: String?
        public init(interval: String, metricsAddress: String, apiAddress: String = APIServer.Configuration.defaultAddress, apiTokenFile: String? = nil) {
            self.interval = interval
            self.metricsAddress = metricsAddress
            self.apiAddress = apiAddress
            self.apiTokenFile = apiTokenFile
        }
    }

    let flags: Settings.Flags
    let environment: [String: String]
    let options: Options

    public init(flags: Settings.Flags, environment: [String: String], options: Options) {
        self.flags = flags
        self.environment = environment
        self.options = options
    }

    /// The report (one line per check, `ok` or `error`) and the exit status: 0, or 2 when
    /// anything is wrong.
    public func run() -> (text: String, status: ExitStatus) {
        var lines: [String] = []
        var problems = 0
        func check(_ what: String, _ body: () throws(CommandError) -> String) {
            do throws(CommandError) {
                lines.append("ok     \(what): \(try body())")
            } catch {
                problems += 1
                lines.append("error  \(what): \(error.message)")
            }
        }

        var settings: Settings?
        check("settings") { () throws(CommandError) in
            let resolved = try Settings(flags: flags, environment: environment, requireAPIKey: false)
            settings = resolved
            return "API \(resolved.apiURL), state \(resolved.state), rules \(resolved.rulesPath)"
        }
        check("API key") { () throws(CommandError) in
            guard let settings else { throw CommandError(.configuration, "not checked: the settings have an error") }
            guard !settings.apiKey.isEmpty else {
                throw CommandError(.configuration, "no API key: set INFINIPOST_API_KEY, --api-key-file or --api-key")
            }
            return "set"
        }
        check("--interval") { () throws(CommandError) in "\(try Duration(option: options.interval, named: "--interval"))" }
        check("--metrics-address") { () throws(CommandError) in
            let metrics = try MetricsServer.Configuration(parsing: options.metricsAddress)
            try metrics.checkAvailable()
            return "\(metrics.host):\(metrics.port) is free"
        }
        if let tokenFile = options.apiTokenFile {
            check("HTTP API") { () throws(CommandError) in
                let address = try APIServer.Configuration.address(parsing: options.apiAddress)
                _ = try APIToken(file: tokenFile)
                try Run.checkAddresses(metrics: try? MetricsServer.Configuration(parsing: options.metricsAddress), api: address)
                try address.checkAvailable()
                return "token file \(tokenFile) ok, \(address.host):\(address.port) is free"
            }
        }
        var rules: RuleSet?
        var factory: ChannelFactory?
        // Every secret known: the settings' and, once the rules load, their channels' (the
        // channel factory's). The channels are built with it and every line printed goes through it.
        var redactor = settings.map { Redactor(settings: $0, channels: []) } ?? Redactor.process
        check("rules") { () throws(CommandError) in
            guard let settings else { throw CommandError(.configuration, "not checked: the settings have an error") }
            let loaded = try Pipeline.loadRules(settings: settings, logger: Logger(label: "postwatch.config"))
            rules = loaded
            let built = ChannelFactory(settings: settings, rules: loaded, transport: CurlTransport(), console: { _ in })
            factory = built
            redactor = built.redactor
            return "\(loaded.rules.count) rule(s), \(loaded.channels.count) channel(s) from \(settings.rulesPath)"
        }
        check("channels") { () throws(CommandError) in
            guard let rules, let factory else { throw CommandError(.configuration, "not checked: the rules have errors") }
            let channels: [any Channel]
            do throws(NotifyError) { channels = try factory.channels(for: rules) } catch { throw CommandError(error) }
            return channels.isEmpty ? "none" : channels.map { "\($0.kind) \($0.redactedDestination)" }.sorted().joined(separator: ", ")
        }
        if let settings, settings.state.isShared {
            // Not connected from here (this check is synchronous): `run` connects and migrates
            // at start, and stops with the database's reason.
            check("shared state") { () throws(CommandError) in
                let interval = try Duration(option: options.interval, named: "--interval")
                try Run.checkLease(settings.lease, interval: interval)
                return "\(settings.state), replica \(settings.replicaId), lease \(settings.lease.compactDescription) (not connected by this check)"
            }
        } else {
            check("state file") { () throws(CommandError) in
                guard let settings else { throw CommandError(.configuration, "not checked: the settings have an error") }
                return try Self.checkState(settings.statePath)
            }
        }
        lines.append(problems == 0 ? "configuration OK" : "\(problems) problem(s): run would not start")
        let text = lines.map { redactor.redact($0) }.joined(separator: "\n") + "\n"
        return (text, problems == 0 ? .ok : .configuration)
    }

    /// The state file opens as a postwatch state, or its folder can hold a new one.
    static func checkState(_ path: String) throws(CommandError) -> String {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else {
            var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            while !manager.fileExists(atPath: folder.path), folder.path != "/" { folder.deleteLastPathComponent() }
            guard manager.isWritableFile(atPath: folder.path) else {
                throw CommandError(.configuration, "no state file yet, and '\(folder.path)' is not writable to create it")
            }
            return "none yet: the first cycle records a baseline"
        }
        guard manager.isWritableFile(atPath: path) else {
            throw CommandError(.configuration, "'\(path)' is not writable by this user")
        }
        let size = (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return "empty (0 bytes): run starts a new baseline" }
        do {
            _ = try SQLiteStore(path: path, readOnly: true)
        } catch where error.code == .outdated {
            return "\(path): written by an older postwatch, run upgrades it"
        } catch {
            throw CommandError(.configuration, "'\(path)' is not a postwatch state file: \(error.message)")
        }
        return "\(path) (\(size / 1024) KiB)"
    }
}
