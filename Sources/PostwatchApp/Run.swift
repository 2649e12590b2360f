import Foundation
import Infinipost
import Logging
import Metrics
import Notify
import PostgresState
import Prometheus
import Redaction
import Rules
import ServiceLifecycle
import Timekeeping
import UnixSignals
import Watch

/// `postwatch run`: the daemon. A service group of the poll loop, delivery, the metrics
/// server and the SIGHUP rule reloader; SIGTERM/SIGINT let in-flight deliveries finish.
public struct Run: Sendable {
    public struct Options: Sendable {
        public var interval: Duration
        public var metrics: MetricsServer.Configuration
        /// The HTTP API (silences); nil: not served.
        public var api: APIServer.Configuration?
        /// On a shared store, LISTEN for the notifications other replicas queue, to deliver
        /// them at once (`--no-listen`: poll only, as behind pgbouncer in transaction mode).
        public var listen: Bool
        public init(
            interval: Duration = .seconds(60), metrics: MetricsServer.Configuration = .init(), api: APIServer.Configuration? = nil,
            listen: Bool = true
        ) {
            self.interval = interval
            self.metrics = metrics
            self.api = api
            self.listen = listen
        }
    }

    let settings: Settings
    let options: Options
    let logger: Logger

    public init(settings: Settings, options: Options, logger: Logger) {
        self.settings = settings
        self.options = options
        self.logger = logger
    }

    public func run() async throws(CommandError) -> ExitStatus {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let metrics = PostwatchMetrics()
        metrics.processStarted()
        metrics.rulesLoaded(successfully: true)  // run does not start on rules that do not load

        let console: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
        try options.metrics.checkAvailable()
        if let api = options.api {
            try Self.checkAddresses(metrics: options.metrics, api: api.address)
            try api.address.checkAvailable()
        }
        let shared = settings.state.isShared
        if shared { try Self.checkLease(settings.lease, interval: options.interval) }
        // Before the lock file is made: it is the trace of a state kept here before.
        if !shared, let warning = StateFileGuard.startWarning(statePath: settings.statePath) { logger.warning("\(warning)") }
        // A shared store has no file to lock or to watch: its lease makes one replica the poller.
        let lock = shared ? nil : try StateLock(statePath: settings.statePath)
        defer { withExtendedLifetime(lock) {} }
        let pipeline = try Pipeline(settings: settings, logger: logger, console: console)
        try await pipeline.prepareStore()
        let stateFile = shared ? nil : try StateFileGuard(path: settings.statePath)
        let keeper = pipeline.leaseKeeper { metrics.lease($0) }
        let router = ReloadableRouter(rules: pipeline.rules)
        let poller = pipeline.poller(router: router)
        // Without `observe`, postwatch_deliveries_total would never be recorded.
        let delivery = pipeline.delivery(logger: logger) { outcome in
            metrics.delivery(channelKind: outcome.channelKind, result: outcome.result)
        }
        var role: (@Sendable () -> LeaseKeeper.Role)?
        if let keeper { role = { keeper.status.role } }
        let readiness = Readiness(role: role)
        let store = pipeline.store
        let pruner = pipeline.pruner()

        let poll = PollService(
            configuration: .init(interval: options.interval), clock: pipeline.clock, logger: logger,
            leading: { keeper?.isLeader ?? true },
            cycle: { [logger] now in
                if let problem = stateFile?.problem() {
                    // An error every cycle (not once): this needs a person, now.
                    logger.error("\(problem)")
                    readiness.markBroken(problem)
                    throw StateFileError(message: problem)
                }
                return try await poller.runOnce(now: now)
            },
            onSuccess: { report in
                readiness.markReady()
                // The rules the cycle routed with, not `router.rules`: a reload may land since.
                var fired: [(rule: String, transition: String)] = []
                for (index, event) in report.events.enumerated() {
                    let transition = event.kind == .transition ? event.to : event.kind.rawValue
                    for rule in report.fired(at: index) { fired.append((rule, transition)) }
                }
                metrics.cycleSucceeded(report, eventsByRule: fired)
                metrics.silenced(report.silenced)
                // After the cycle's commit, never inside it; the interval counts from the cycle's
                // start, so a prune (a few batches at most) shortens the wait, not the cadence.
                do {
                    _ = try await pruner.pruneIfDue(now: report.startedAt)
                } catch {
                    logger.warning("history not pruned", metadata: ["error": "\(error)"])
                }
            },
            onFailure: { error in
                metrics.cycleFailed(apiErrorCode: Self.apiErrorCode(error))
            })
        let reloader = RuleReloader(
            settings: settings, logger: logger, metrics: metrics,
            apply: { rules throws(CommandError) in
                // The new channels' secrets join the old ones: entries of a removed channel may
                // still be in the outbox, and its URL stays a secret.
                var factory = ChannelFactory(settings: settings, rules: rules, transport: pipeline.transport, console: console)
                factory.redactor = pipeline.redactor.merging(factory.redactor)
                Redactor.install(factory.redactor)
                let channels: [any Channel]
                do throws(NotifyError) { channels = try factory.channels(for: rules) } catch { throw CommandError(error) }
                router.replace(with: rules)
                delivery.replaceChannels(channels)
            })
        let metricsServer = MetricsServer(
            configuration: options.metrics, registry: registry, readiness: readiness, logger: logger,
            // Read at scrape time: recorded after each cycle, a notification that died between
            // two cycles showed `dead` 0 until the next one, and the shipped alert fired late.
            beforeScrape: {
                if let depth = try? await store.depth() { metrics.outboxDepth(depth) }
                let now = pipeline.clock.now
                if let silences = try? await store.silences(endingAfter: now) {
                    metrics.activeSilences(silences.count { $0.isActive(at: now) })
                }
            },
            onRunning: { [logger] port in
                logger.info("metrics listening", metadata: ["metrics.address": "\(options.metrics.host):\(port)"])
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: metricsServer),
            .init(service: delivery),
        ]
        // Before the poll loop: on shutdown the loop finishes its cycle, then the lease goes.
        if let keeper { services.append(.init(service: keeper)) }
        services += [
            .init(service: poll),
            .init(service: reloader),
        ]
        // Another replica's commit wakes this one's delivery (a hint: it polls every second anyway).
        if options.listen, let shared = store as? PostgresStore {
            services.append(.init(service: OutboxWakeups(store: shared, wake: { delivery.wake() })))
        }
        if let api = options.api {
            services.append(.init(service: APIServer(
                configuration: api, admin: SilenceAdmin(store: store, clock: pipeline.clock), logger: logger,
                onRunning: { [logger] port in
                    logger.info("API listening", metadata: ["api.address": "\(api.address.host):\(port)"])
                })))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "postwatch running",
            metadata: [
                "rules.count": "\(pipeline.rules.rules.count)", "channels.count": "\(pipeline.channels.count)",
                "cycle.interval": "\(options.interval)", "retention": "\(settings.retention.compactDescription)",
            ])
        do {
            try await group.run()
        } catch {
            throw CommandError(.configuration, "postwatch stopped: \(error)")
        }
        logger.info("postwatch stopped")
        return .ok
    }

    /// A lease of two intervals or more: a leader that dies is replaced a lease later, past
    /// the two intervals a takeover is promised in (docs/ha.md).
    static func checkLease(_ lease: Duration, interval: Duration) throws(CommandError) {
        guard lease >= interval * 2 else { return }
        throw CommandError(
            .configuration,
            "--lease \(lease.compactDescription) is not under twice --interval \(interval.compactDescription): "
                + "a follower would take over more than two intervals after the leader stops; shorten --lease or lengthen --interval")
    }

    /// The API and the metrics on one port: each address alone binds, the second server
    /// would not, and the daemon would stop after its first cycle.
    static func checkAddresses(metrics: MetricsServer.Configuration?, api: MetricsServer.Configuration) throws(CommandError) {
        guard let metrics, metrics.port == api.port, metrics.port != 0 else { return }
        throw CommandError(
            .configuration, "--api-address \(api.host):\(api.port) and --metrics-address \(metrics.host):\(metrics.port) use the same port")
    }

    /// The `code` label of `postwatch_api_errors_total` for a failed cycle, nil when the API
    /// was not the cause.
    static func apiErrorCode(_ error: any Error) -> String? {
        guard let cycle = error as? CycleError, cycle.code == .listing else { return nil }
        if let api = cycle.underlying as? APIError { return api.code.rawValue }
        if let limit = cycle.underlying as? ListingLimitError { return limit.code.rawValue }
        return "unknown"
    }
}

/// Reloads the rules on SIGHUP; a rule set with an error is logged and the old one kept.
struct RuleReloader: Service, CustomStringConvertible {
    // ServiceLifecycle logs each service's description: the default one would dump the settings.
    var description: String { "RuleReloader" }
    let settings: Settings
    let logger: Logger
    let metrics: PostwatchMetrics
    let apply: @Sendable (RuleSet) throws(CommandError) -> Void

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let rules = try Pipeline.loadRules(settings: settings, logger: logger)
                try apply(rules)
                logger.notice(
                    "rules reloaded",
                    metadata: ["rules.count": "\(rules.rules.count)", "channels.count": "\(rules.channels.count)"])
                metrics.rulesLoaded(successfully: true)
            } catch {
                logger.error("rules not reloaded, keeping the previous ones: \(error.message)")
                metrics.rulesLoaded(successfully: false)
            }
        }
    }
}
