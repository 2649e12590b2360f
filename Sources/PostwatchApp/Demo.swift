import Foundation
import Infinipost
import Logging
import Notify
import Rules
import Sandbox
import ServiceLifecycle
import Synchronization
import Timekeeping
import Watch

/// `postwatch demo`: the embedded default. A sandbox API in-process with a fast lifecycle, the
/// rules in `./rules` (or built-in ones), the daemon's own services (`PollService` every few
/// seconds, `Delivery`), and every notification printed as its channel would show it. Stops by
/// itself after `duration`.
public struct Demo: Sendable {
    public struct Options: Sendable {
        public var duration: Duration
        public var rulesPath: String
        public var interval: Duration
        public var tick: Duration
        public var posts: Int
        public var seed: UInt64
        public init(
            duration: Duration = .seconds(30), rulesPath: String = "./rules", interval: Duration = .seconds(2),
            tick: Duration = .milliseconds(700), posts: Int = 60, seed: UInt64 = UInt64.random(in: 1...1_000_000)
        ) {
            self.duration = duration
            self.rulesPath = rulesPath
            self.interval = interval
            self.tick = tick
            self.posts = posts
            self.seed = seed
        }
    }

    let options: Options
    let logger: Logger
    let terminal: Terminal
    let clock: any WallClock

    public init(
        options: Options, logger: Logger, clock: any WallClock = SystemClock(), write: @escaping @Sendable (String) -> Void
    ) {
        self.options = options
        self.logger = logger
        self.clock = clock
        terminal = Terminal(write: write)
    }

    public func run() async throws(CommandError) -> ExitStatus {
        let (rules, source) = try loadRules()
        let apiKey = "demo-\(UInt64.random(in: 1...UInt64.max))"
        let sandbox = Sandbox(
            configuration: SandboxConfiguration(
                initialPosts: options.posts, apiKey: apiKey, tick: options.tick, seed: options.seed, accounts: 3,
                newPostsPerTick: 1))
        let server = SandboxHTTPServer(
            sandbox: sandbox, host: "127.0.0.1", port: 0,
            logger: Logger(label: "postwatch.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        let listening = AsyncStream<Int>.makeStream()
        let serverTask = Task {
            try await server.run { port in listening.continuation.yield(port) }
        }
        defer { serverTask.cancel() }
        var ports = listening.stream.makeAsyncIterator()
        guard let port = await ports.next() else {
            throw CommandError(.configuration, "the demo sandbox did not start")
        }

        let stateFolder = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-demo-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: stateFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: stateFolder) }
        var flags = Settings.Flags()
        flags.apiURL = "http://127.0.0.1:\(port)"
        flags.apiKey = apiKey
        flags.state = stateFolder.appendingPathComponent("demo.sqlite").path
        flags.rules = options.rulesPath
        let settings = try Settings(flags: flags, environment: [:])
        let terminal = self.terminal
        let pipeline = try Pipeline(
            settings: settings, logger: logger, console: { terminal.line($0) },
            channelOverride: { declaration in
                PreviewChannel(name: declaration.name, kind: declaration.kind, terminal: terminal)
            },
            rulesOverride: rules, clock: clock)
        let poller = pipeline.poller(since: 3600, router: NotificationRouter(ruleSet: rules))
        let summary = Mutex(Summary())
        let clock = self.clock
        let end = clock.now.addingTimeInterval(options.duration.secondsValue)
        let progress: @Sendable () -> Void = {
            let seen = summary.withLock { $0 }
            let left = max(0, Int(end.timeIntervalSince(clock.now)))
            terminal.progress(
                "cycle \(seen.cycles + seen.failedCycles) · \(seen.posts) posts · \(seen.events) events · \(seen.delivered) notifications · \(left)s left")
        }
        let delivery = pipeline.delivery(
            // Notifications print soon after the cycle that queued them, as the old loop did.
            logger: logger, configuration: Delivery.Configuration(pollInterval: .milliseconds(200)),
            observe: { outcome in
                guard outcome.result == .delivered else { return }
                summary.withLock { $0.delivered += 1 }
                // The notification just printed took the progress line's place: draw it again
                // below, with the count that includes it (the old loop drew it after delivering).
                progress()
            })

        terminal.line(terminal.styled("postwatch demo", .bold) + " — a sandbox Infinipost API with \(options.posts) posts on 127.0.0.1:\(port), rules from \(source)")
        terminal.line(
            "\(rules.rules.count) rules, \(rules.channels.count) channels; channels print here instead of sending. Stops after \(options.duration).\n")

        // The demo says why a cycle failed on the terminal; the service's own warning would repeat it.
        var pollLogger = logger
        pollLogger.logLevel = .error
        let poll = PollService(
            // No jitter and no backoff: the demo keeps its cadence whatever happens.
            configuration: .init(interval: options.interval, jitter: 0, maxBackoff: options.interval),
            clock: clock, logger: pollLogger,
            cycle: { now in try await poller.runOnce(now: now) },
            onSuccess: { report in
                summary.withLock { $0.add(report) }
                progress()
            },
            onFailure: { error in
                summary.withLock { $0.failedCycles += 1 }
                terminal.line(terminal.styled("cycle failed: \(error)", .red))
                progress()
            })
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: delivery), .init(service: poll)], gracefulShutdownSignals: [], logger: logger))
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await group.run() }
            // Delivery finishes a send in flight before the group returns, as in `run`.
            try? await clock.sleep(for: options.duration)
            await group.triggerGracefulShutdown()
        }
        // What the last cycle queued just before the end still prints, as the old loop did.
        _ = await delivery.deliverDue(now: clock.now)
        if let first = terminal.firstNotification {
            terminal.line("")
            terminal.line(terminal.styled("The first notification in each channel kind's layout (as drawn from the request it would send; nothing is sent):", .bold))
            terminal.line(LayoutGallery.text(events: first.events, rule: first.rule, severity: first.severity, at: clock.now))
        }
        terminal.line("")
        terminal.line(summary.withLock { $0 }.text(terminal: terminal))
        return .ok
    }

    /// `./rules` when it exists (secrets not required: nothing is sent), else the built-in rules.
    func loadRules() throws(CommandError) -> (RuleSet, String) {
        if FileManager.default.fileExists(atPath: options.rulesPath) {
            do {
                return (try RuleSet.load(path: options.rulesPath, environment: [:], requireSecrets: false), options.rulesPath)
            } catch {
                throw CommandError(.configuration, "the rules in '\(options.rulesPath)' have errors:\n\(error)")
            }
        }
        do {
            return (try RuleSet.load(source: Self.builtInRules, name: "<built-in demo rules>"), "built-in demo rules")
        } catch {
            throw CommandError(.configuration, "the built-in demo rules have errors:\n\(error)")
        }
    }

    static let builtInRules = """
        channel ops  = console
        channel team = console

        rule "Failed posts" {
          when failed
          notify ops
          group by platform
          severity critical
        }

        rule "Posted" {
          when * -> posted
          notify team
          group by accountId
          severity info
        }
        """

    /// What the demo saw, for the closing summary.
    struct Summary {
        var cycles = 0
        var failedCycles = 0
        var posts = 0
        var events = 0
        var delivered = 0
        var transitions: [String: Int] = [:]
        var rulesFired: [String: Int] = [:]

        mutating func add(_ report: CycleReport) {
            cycles += 1
            posts = report.posts
            events += report.events.count
            for (index, event) in report.events.enumerated() {
                transitions["\(event.from) → \(event.to)", default: 0] += 1
                for rule in report.fired(at: index) { rulesFired[rule, default: 0] += 1 }
            }
        }

        func text(terminal: Terminal) -> String {
            var lines = [terminal.styled("Summary", .bold)]
            lines.append("  \(cycles) cycles (\(failedCycles) failed), \(posts) posts, \(events) events, \(delivered) notifications")
            for (transition, count) in transitions.sorted(by: { $0.value > $1.value }) {
                lines.append("  \(String(count).leftPadded(5))  \(transition)")
            }
            if !rulesFired.isEmpty {
                lines.append("  rules fired:")
                for (rule, count) in rulesFired.sorted(by: { $0.key < $1.key }) {
                    lines.append("  \(String(count).leftPadded(5))  \(rule)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
