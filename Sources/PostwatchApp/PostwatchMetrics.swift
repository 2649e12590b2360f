import Foundation
import Infinipost
import Metrics
import Watch

/// The metrics postwatch exports (names and labels as docs/operations.md lists them).
///
/// Recorded through swift-metrics from what cycles and deliveries report, so the libraries
/// stay free of metric names; `run` bootstraps the Prometheus backend.
public struct PostwatchMetrics: Sendable {
    public init() {}

    public func cycleSucceeded(_ report: CycleReport, eventsByRule: [(rule: String, transition: String)]) {
        Counter(label: "postwatch_cycles_total", dimensions: [("result", "ok")]).increment()
        Timer(label: "postwatch_cycle_duration_seconds").recordSeconds(report.duration.secondsValue)
        Counter(label: "postwatch_pages_fetched_total").increment(by: report.pages)
        for (rule, transition) in eventsByRule {
            Counter(label: "postwatch_events_total", dimensions: [("rule", rule), ("transition", transition)]).increment()
        }
        Gauge(label: "postwatch_last_successful_cycle_timestamp_seconds").record(Date().timeIntervalSince1970)
    }

    /// `result`: `api_error` when the listing failed (the API), `error` otherwise.
    public func cycleFailed(apiErrorCode: String?) {
        Counter(label: "postwatch_cycles_total", dimensions: [("result", apiErrorCode == nil ? "error" : "api_error")])
            .increment()
        if let apiErrorCode {
            Counter(label: "postwatch_api_errors_total", dimensions: [("code", apiErrorCode)]).increment()
        }
    }

    public func processStarted() {
        // The usual *_build_info: 1, with what runs in its labels (join on it in queries).
        Gauge(label: "postwatch_build_info", dimensions: [("version", BuildInfo.version), ("commit", BuildInfo.commit)]).record(1)
        // Until the first complete cycle, the start time: "no complete cycle for 3 intervals"
        // then also fires for a postwatch that never completes one.
        Gauge(label: "postwatch_last_successful_cycle_timestamp_seconds").record(Date().timeIntervalSince1970)
    }

    public func delivery(channelKind: String, result: String) {
        Counter(label: "postwatch_deliveries_total", dimensions: [("channel_kind", channelKind), ("result", result)])
            .increment()
    }

    /// Like Prometheus's own `prometheus_config_last_reload_successful`: 1 when the rules
    /// loaded at start or the last SIGHUP loaded, 0 when the last reload failed (the previous
    /// rules stay in force, so nothing else shows the file on disk is broken); and when the
    /// rules in force were loaded.
    public func rulesLoaded(successfully: Bool) {
        Gauge(label: "postwatch_rules_last_reload_successful").record(successfully ? 1 : 0)
        if successfully {
            Gauge(label: "postwatch_rules_last_reload_success_timestamp_seconds").record(Date().timeIntervalSince1970)
        }
    }

    public func outboxDepth(_ depth: [OutboxEntry.State: Int]) {
        for state in [OutboxEntry.State.pending, .dead] {
            Gauge(label: "postwatch_outbox_depth", dimensions: [("state", state.rawValue)]).record(depth[state] ?? 0)
        }
    }
}
