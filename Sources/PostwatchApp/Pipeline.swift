import Curl
import Foundation
import Infinipost
import Logging
import Notify
import PostgresState
import Redaction
import Rules
import Timekeeping
import Watch

/// The parts of a cycle, built from the settings: rules, store, API client, channels, delivery.
///
/// `check`, `run` and `demo` each build one and drive it their own way.
struct Pipeline: Sendable {
    let settings: Settings
    let rules: RuleSet
    let transport: CurlTransport
    /// The state file's SQLite store, or the shared PostgreSQL one.
    let store: any Store
    /// The shared store's lease (the same object as `store`); nil for a state file, whose
    /// lock already makes its process the only poller.
    let leadership: (any Leadership)?
    let client: InfinipostClient
    let channels: [any Channel]
    /// Every secret of this run, handed to the API client and the channels.
    let redactor: Redactor
    /// The one time every part runs on: cycles, retries, delivery.
    let clock: any WallClock
    let logger: Logger

    /// Loads the rules (exit 2 with the diagnostics on any error), opens the state file and
    /// builds the channels.
    init(
        settings: Settings, logger: Logger, console: @escaping @Sendable (String) -> Void,
        channelOverride: (@Sendable (ChannelDeclaration) -> any Channel)? = nil,
        rulesOverride: RuleSet? = nil, clock: any WallClock = SystemClock()
    ) throws(CommandError) {
        self.settings = settings
        self.logger = logger
        self.clock = clock
        if let rulesOverride {
            rules = rulesOverride
        } else {
            rules = try Self.loadRules(settings: settings, logger: logger)
        }
        transport = CurlTransport(configuration: .init(caFile: settings.caFile))
        let factory = ChannelFactory(settings: settings, rules: rules, transport: transport, console: console, clock: clock)
        redactor = factory.redactor
        Redactor.install(redactor)
        if let channelOverride {
            channels = rules.channels.values.sorted { $0.name < $1.name }.map(channelOverride)
        } else {
            do throws(NotifyError) { channels = try factory.channels(for: rules) } catch { throw CommandError(error) }
        }
        switch settings.state {
        case .file(let path):
            do {
                store = try SQLiteStore(path: path)
            } catch {
                throw CommandError(.configuration, "cannot open the state file '\(path)': \(error)")
            }
            leadership = nil
        case .postgres(let configuration):
            // Connected and migrated on first use; `run` and `check` call `prepareStore()` first.
            let shared: PostgresStore
            do {
                shared = try PostgresStore(configuration: configuration, replicaId: settings.replicaId, logger: logger)
            } catch {
                throw CommandError(.configuration, "\(error)")
            }
            for warning in configuration.warnings { logger.warning("\(warning)") }
            (store, leadership) = (shared, shared)
        }
        client = InfinipostClient(
            configuration: InfinipostConfiguration(baseURL: settings.apiURL, apiKey: settings.apiKey, redactor: redactor),
            transport: transport, logger: logger, clock: clock)
    }

    /// Loads and checks a rule set; warnings are logged, errors are a configuration error whose
    /// message holds every diagnostic.
    static func loadRules(settings: Settings, logger: Logger) throws(CommandError) -> RuleSet {
        let rules: RuleSet
        do {
            rules = try RuleSet.load(path: settings.rulesPath, environment: settings.environment)
        } catch {
            throw CommandError(.configuration, "the rules in '\(settings.rulesPath)' have errors:\n\(error)")
        }
        for warning in rules.warnings {
            logger.warning("\(warning)")
        }
        return rules
    }

    func poller(since: TimeInterval? = nil, router: any Router) -> Poller {
        var configuration = PollerConfiguration(accounts: settings.accounts, since: since)
        configuration.progress = ListingProgressLine.forTerminal(settings: settings)
        return Poller(listing: client, store: store, router: router, configuration: configuration, logger: logger)
    }

    /// Connects to a shared store and migrates it, so that an unreachable or too new database
    /// stops the command at once with its reason; nothing for a state file.
    func prepareStore() async throws(CommandError) {
        guard let shared = store as? PostgresStore else { return }
        do {
            try await shared.prepare()
        } catch {
            throw CommandError(.configuration, "\(error)", code: "store")
        }
    }

    /// The keeper of this replica's lease on a shared store; nil for a state file.
    func leaseKeeper(observe: @escaping @Sendable (LeaseKeeper.Status) -> Void = { _ in }) -> LeaseKeeper? {
        guard let leadership else { return nil }
        return LeaseKeeper(
            leadership: leadership, configuration: .init(holder: settings.replicaId, ttl: settings.lease), clock: clock,
            logger: logger, observe: observe)
    }

    /// Prunes the state file's history per `--retention`.
    func pruner() -> Pruner {
        Pruner(store: store, retention: Retention(period: settings.retention), logger: logger)
    }

    /// - Parameter observe: each attempt's outcome (the daemon counts them in its metrics).
    func delivery(
        logger: Logger, configuration: Delivery.Configuration = Delivery.Configuration(),
        observe: @escaping @Sendable (Delivery.Outcome) -> Void = { _ in }
    ) -> Delivery {
        // A shared store (PostgreSQL) permits sends itself: claims and rate limits across replicas.
        Delivery(
            outbox: store, channels: channels, configuration: configuration, clock: clock, logger: logger,
            permits: (store as? any SendPermits) ?? RateLimiter(), observe: observe)
    }

    /// Exit code 3 for a failed listing (coded with the API's error code), 2 for anything else
    /// a cycle can fail on.
    static func commandError(for error: any Error) -> CommandError {
        if let cycle = error as? CycleError {
            guard cycle.code == .listing else { return CommandError(.configuration, "\(cycle)", code: "store") }
            return CommandError(.upstream, "\(cycle)", code: (cycle.underlying as? APIError)?.code.rawValue)
        }
        return CommandError(.upstream, "\(error)")
    }
}
