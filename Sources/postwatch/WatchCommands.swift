import ArgumentParser
import Foundation
import Infinipost
import Logging
import PostwatchApp
import Timekeeping

/// The process's logger, after bootstrapping the log handler from the settings.
func bootstrapLogging(_ settings: Settings) -> Logger {
    PostwatchLogHandler.bootstrap(format: settings.logFormat, level: settings.logLevel)
    return Logger(label: "postwatch")
}

let standardOutput: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run one cycle, deliver what it queued, print what was found.",
        discussion: """
            Exit codes: 0 nothing of severity warning or critical fired; 1 such a rule fired; \
            2 usage, configuration or rule error; 3 the API failed (nothing applied); \
            4 some notifications are not delivered yet (they stay in the outbox).
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "On a first run (empty state), report posts within this window, e.g. 24h: posted ones by postedAt, the rest by scheduledTime (a slot still ahead counts as now).")
    var since: String?

    @Option(help: "text (a table) or json (a stable document, see docs/check.md).")
    var output: String = "text"

    @Flag(help: "Evaluate and render, send nothing, save nothing.")
    var dryRun = false

    @Option(help: "How long to retry deliveries before leaving them in the outbox (exit 4).")
    var deliveryTimeout: String = "60s"

    @Option(help: "all (default) or fired: list only the events that fired a rule (the counts stay complete).")
    var events: String = "all"

    func run() async throws {
        do {
            let settings = try common.settings()
            guard let format = Check.Output(rawValue: output) else {
                throw CommandError(.configuration, "--output must be text or json, not '\(output)'")
            }
            guard events == "all" || events == "fired" else {
                throw CommandError(.configuration, "--events must be all or fired, not '\(events)'")
            }
            let options = Check.Options(
                since: try since.map { text throws(CommandError) in try Duration(option: text, named: "--since") },
                output: format, dryRun: dryRun,
                deliveryTimeout: try Duration(option: deliveryTimeout, named: "--delivery-timeout"),
                onlyFiredEvents: events == "fired")
            let status = try await Check(
                settings: settings, options: options, logger: bootstrapLogging(settings), write: standardOutput
            ).run()
            throw ExitCode(status.rawValue)
        } catch let error as CommandError {
            // With --output json, stdout holds one document on every outcome, failures too.
            if output == "json" { standardOutput(CheckReport(failure: error, dryRun: dryRun).json() + "\n") }
            throw error.exit()
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run as a daemon: poll, notify, serve /metrics, /healthz and /readyz.",
        discussion: """
            SIGHUP reloads the rules (the old ones stay on an error); SIGTERM/SIGINT finish deliveries in flight and exit 0. \
            Silences (`postwatch silence`, or the HTTP API with --api-token-file) mute matched events from the next cycle; \
            muted events are recorded, not notified (docs/silences.md).
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var daemon: DaemonOptions

    func run() async throws {
        do {
            let settings = try common.settings()
            let options = Run.Options(
                interval: try Duration(option: daemon.intervalText, named: "--interval"),
                metrics: try MetricsServer.Configuration(parsing: daemon.metricsAddressText),
                api: try daemon.texts.api(), listen: !daemon.noListen)
            let status = try await Run(settings: settings, options: options, logger: bootstrapLogging(settings)).run()
            throw ExitCode(status.rawValue)
        } catch let error as CommandError {
            throw error.exit()
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A sandbox API plus the rules in ./rules, with every notification printed here; stops by itself.")

    @Option(help: "How long the demo runs.")
    var duration: String = "30s"

    @Option(help: "Rule file or directory (built-in demo rules when it does not exist).")
    var rules: String = "./rules"

    @Option(help: "Seed of the sandbox's generator (random by default).")
    var seed: UInt64?

    func run() async throws {
        do {
            var options = Demo.Options(duration: try Duration(option: duration, named: "--duration"), rulesPath: rules)
            if let seed { options.seed = seed }
            PostwatchLogHandler.bootstrap(format: .text, level: .warning)
            let status = try await Demo(options: options, logger: Logger(label: "postwatch"), write: standardOutput).run()
            throw ExitCode(status.rawValue)
        } catch let error as CommandError {
            throw error.exit()
        }
    }
}

/// `postwatch config check`: what `run` would refuse at start, all at once.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration as run would use it.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settings, API key, rules, channels (SMTP for email), state file and metrics address in one pass: exit 0, or 2 listing every problem.",
            discussion: "Takes the options of `run`; use it as the systemd unit's ExecStartPre= or a deploy step.")

        @OptionGroup var common: CommonOptions
        @OptionGroup var daemon: DaemonOptions

        func run() async throws {
            let check = ConfigCheck(
                flags: common.flags, environment: Settings.processEnvironment,
                options: .init(
                    interval: daemon.intervalText, metricsAddress: daemon.metricsAddressText,
                    apiAddress: daemon.texts.apiAddress, apiTokenFile: daemon.texts.apiTokenFile))
            let (text, status) = check.run()
            FileHandle.standardOutput.write(Data(text.utf8))
            if status != .ok { throw ExitCode(status.rawValue) }
        }
    }
}

/// The options of `run` beyond the common ones (`config check` takes them too).
struct DaemonOptions: ParsableArguments {
    @Option(help: "Time between the starts of two cycles (POSTWATCH_INTERVAL; default 60s).")
    var interval: String?

    @Option(help: "Where /metrics, /healthz and /readyz listen (POSTWATCH_METRICS_ADDRESS; default 127.0.0.1:9464).")
    var metricsAddress: String?

    @Option(help: "Serve the HTTP API (/api/v1/silences, docs/silences.md) with the bearer token in this file (POSTWATCH_API_TOKEN_FILE; not readable by every user; no API without it).")
    var apiTokenFile: String?

    @Option(help: "Where the HTTP API listens (POSTWATCH_API_ADDRESS; default 127.0.0.1:9465: loopback unless you name another address).")
    var apiAddress: String?

    @Flag(help: "With a PostgreSQL state, do not LISTEN for notifications other replicas queue (behind pgbouncer in transaction mode LISTEN cannot work): delivery polls every second.")
    var noListen = false

    var texts: Settings.DaemonTexts {
        Settings.DaemonTexts(interval: interval, metricsAddress: metricsAddress, apiAddress: apiAddress, apiTokenFile: apiTokenFile)
    }
    var intervalText: String { texts.interval }
    var metricsAddressText: String { texts.metricsAddress }
}

/// `postwatch channel test NAME`: one marked test message through a configured channel.
struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Try a channel as the rules configure it.",
        subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one clearly marked test message through a channel and print what the destination answered.",
            discussion: "Exit 0 when the destination accepted it, 4 when it refused or failed, 2 for an unknown channel or a configuration error.")

        @Argument(help: "The channel's name in the rule files.")
        var name: String

        @OptionGroup var common: CommonOptions

        func run() async throws {
            do {
                let settings = try common.settings(requireAPIKey: false)
                _ = bootstrapLogging(settings)
                let (text, status) = try await ChannelTest(settings: settings, channelName: name).run()
                FileHandle.standardOutput.write(Data(text.utf8))
                if status != .ok { throw ExitCode(status.rawValue) }
            } catch let error as CommandError {
                throw error.exit()
            }
        }
    }
}
