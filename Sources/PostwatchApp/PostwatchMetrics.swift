import Foundation
import Infinipost
import Metrics
import Notify
import Rules
import Synchronization
import Watch

/// The metrics postwatch exports (names and labels as docs/operations.md lists them).
///
/// Recorded through swift-metrics from what cycles and deliveries report, so the libraries
/// stay free of metric names; `run` bootstraps the Prometheus backend, then makes this. Each
/// metric object is made once, the first time its labels are used, then kept: a cycle does not
/// ask the backend for a metric per event, and a series appears in `/metrics` when it first
/// has something to say, as it always has.
public struct PostwatchMetrics: Sendable {
    private let cycles: Family<Counter>
    private let cycleDuration: Family<Timer>
    private let pagesFetched: Family<Counter>
    private let lastSuccessfulCycle: Family<Gauge>
    private let buildInfo: Family<Gauge>
    private let rulesReloadSuccessful: Family<Gauge>
    private let rulesReloadSuccessTimestamp: Family<Gauge>
    private let outboxDepthGauges: Family<Gauge>
    private let events: Family<Counter>
    private let apiErrors: Family<Counter>
    private let deliveries: Family<Counter>
    private let silencedEvents: Family<Counter>
    private let activeSilenceGauge: Family<Gauge>
    private let leader: Family<Gauge>
    private let leaseEpoch: Family<Gauge>

    /// Metrics from `factory`: the bootstrapped backend unless a test gives its own.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        cycles = Family { Counter(label: "postwatch_cycles_total", dimensions: $0, factory: factory) }
        cycleDuration = Family { Timer(label: "postwatch_cycle_duration_seconds", dimensions: $0, factory: factory) }
        pagesFetched = Family { Counter(label: "postwatch_pages_fetched_total", dimensions: $0, factory: factory) }
        lastSuccessfulCycle = Family {
            Gauge(label: "postwatch_last_successful_cycle_timestamp_seconds", dimensions: $0, factory: factory)
        }
        buildInfo = Family { Gauge(label: "postwatch_build_info", dimensions: $0, factory: factory) }
        rulesReloadSuccessful = Family { Gauge(label: "postwatch_rules_last_reload_successful", dimensions: $0, factory: factory) }
        rulesReloadSuccessTimestamp = Family {
            Gauge(label: "postwatch_rules_last_reload_success_timestamp_seconds", dimensions: $0, factory: factory)
        }
        outboxDepthGauges = Family { Gauge(label: "postwatch_outbox_depth", dimensions: $0, factory: factory) }
        events = Family { Counter(label: "postwatch_events_total", dimensions: $0, factory: factory) }
        apiErrors = Family { Counter(label: "postwatch_api_errors_total", dimensions: $0, factory: factory) }
        deliveries = Family { Counter(label: "postwatch_deliveries_total", dimensions: $0, factory: factory) }
        silencedEvents = Family { Counter(label: "postwatch_silenced_events_total", dimensions: $0, factory: factory) }
        activeSilenceGauge = Family { Gauge(label: "postwatch_active_silences", dimensions: $0, factory: factory) }
        leader = Family { Gauge(label: "postwatch_leader", dimensions: $0, factory: factory) }
        leaseEpoch = Family { Gauge(label: "postwatch_lease_epoch", dimensions: $0, factory: factory) }
    }

    public func cycleSucceeded(_ report: CycleReport, eventsByRule: [(rule: String, transition: String)]) {
        cycles[[("result", "ok")]].increment()
        cycleDuration[[]].recordSeconds(report.duration.secondsValue)
        pagesFetched[[]].increment(by: report.pages)
        for (rule, transition) in eventsByRule {
            events[[("rule", rule), ("transition", transition)]].increment()
        }
        lastSuccessfulCycle[[]].record(Date().timeIntervalSince1970)
    }

    /// `result`: `api_error` when the listing failed (the API), `error` otherwise.
    public func cycleFailed(apiErrorCode: String?) {
        cycles[[("result", apiErrorCode == nil ? "error" : "api_error")]].increment()
        if let apiErrorCode {
            apiErrors[[("code", apiErrorCode)]].increment()
        }
    }

    public func processStarted() {
        // The usual *_build_info: 1, with what runs in its labels (join on it in queries).
        buildInfo[[("version", BuildInfo.version), ("commit", BuildInfo.commit)]].record(1)
        // Until the first complete cycle, the start time: "no complete cycle for 3 intervals"
        // then also fires for a postwatch that never completes one.
        lastSuccessfulCycle[[]].record(Date().timeIntervalSince1970)
    }

    /// One delivery attempt; `channelKind` nil (`unknown`) for a channel no longer declared.
    public func delivery(channelKind: ChannelKind?, result: Delivery.Outcome.Result) {
        // docs/operations.md: a permanent refusal is `dead` at once.
        let label = result == .failed ? "dead" : result.rawValue
        deliveries[[("channel_kind", channelKind?.rawValue ?? "unknown"), ("result", label)]].increment()
    }

    /// Like Prometheus's own `prometheus_config_last_reload_successful`: 1 when the rules
    /// loaded at start or the last SIGHUP loaded, 0 when the last reload failed (the previous
    /// rules stay in force, so nothing else shows the file on disk is broken); and when the
    /// rules in force were loaded.
    public func rulesLoaded(successfully: Bool) {
        rulesReloadSuccessful[[]].record(successfully ? 1 : 0)
        if successfully {
            rulesReloadSuccessTimestamp[[]].record(Date().timeIntervalSince1970)
        }
    }

    /// Matched events a silence muted in a cycle, by rule.
    public func silenced(_ events: [SilencedEvent]) {
        for event in events { silencedEvents[[("rule", event.rule)]].increment() }
    }

    /// Silences muting now (read from the state at scrape time: one added by another process counts).
    public func activeSilences(_ count: Int) {
        activeSilenceGauge[[]].record(count)
    }

    /// On a shared store: 1 while this replica leads (polls), else 0; and the fencing epoch
    /// of the lease it holds (0 when it holds none). A sum of `postwatch_leader` over the
    /// replicas above 1 is never right; 0 for longer than a lease means no replica polls.
    public func lease(_ status: LeaseKeeper.Status) {
        leader[[]].record(status.role == .leader ? 1 : 0)
        leaseEpoch[[]].record(status.epoch ?? 0)
    }

    public func outboxDepth(_ depth: [OutboxEntry.State: Int]) {
        for state in [OutboxEntry.State.pending, .dead] {
            outboxDepthGauges[[("state", state.rawValue)]].record(depth[state] ?? 0)
        }
    }
}

extension PostwatchMetrics {
    /// One metric per set of label values (one only for a metric without labels), made the
    /// first time those values are used.
    final class Family<Metric: Sendable>: Sendable {
        private let make: @Sendable ([(String, String)]) -> Metric
        private let made = Mutex<[[String]: Metric]>([:])

        init(make: @escaping @Sendable ([(String, String)]) -> Metric) {
            self.make = make
        }

        subscript(dimensions: [(String, String)]) -> Metric {
            // Label names are fixed per family: the values alone tell two members apart.
            let key = dimensions.map(\.1)
            return made.withLock { made in
                if let metric = made[key] { return metric }
                let metric = make(dimensions)
                made[key] = metric
                return metric
            }
        }
    }
}
