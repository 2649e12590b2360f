import Foundation
import Infinipost
import Logging
import ServiceLifecycle
import Watch

/// The daemon's poll loop: one cycle at a time, every `interval` counted from the cycle's start
/// (with a little jitter so many instances do not beat in step), backing off while the API is
/// down without writing a log line per failed cycle.
public struct PollService: Service, CustomStringConvertible {
    /// What ServiceLifecycle logs for this service (the default would dump its closures and logger).
    public var description: String { "PollService(interval: \(configuration.interval))" }
    public struct Configuration: Sendable {
        public var interval: Duration
        /// Up to this fraction of the interval is added at random to each wait.
        public var jitter: Double
        /// The longest wait between two cycles while they fail.
        public var maxBackoff: Duration
        public init(interval: Duration = .seconds(60), jitter: Double = 0.05, maxBackoff: Duration = .seconds(600)) {
            self.interval = interval
            self.jitter = jitter
            self.maxBackoff = maxBackoff
        }
    }

    private let cycle: @Sendable (Date) async throws -> CycleReport
    private let configuration: Configuration
    private let logger: Logger
    private let onSuccess: @Sendable (CycleReport) async -> Void
    private let onFailure: @Sendable (any Error) async -> Void

    /// - Parameters:
    ///   - cycle: runs one cycle (the poller's `runOnce`).
    ///   - onSuccess, onFailure: metrics, readiness, waking delivery.
    public init(
        configuration: Configuration, logger: Logger,
        cycle: @escaping @Sendable (Date) async throws -> CycleReport,
        onSuccess: @escaping @Sendable (CycleReport) async -> Void,
        onFailure: @escaping @Sendable (any Error) async -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.cycle = cycle
        self.onSuccess = onSuccess
        self.onFailure = onFailure
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var failures = 0
        var lastFailureLog: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let start = clock.now
            do {
                let report = try await cycle(Date())
                if failures > 0 {
                    logger.notice("cycles complete again", metadata: ["cycle.failures": "\(failures)"])
                }
                failures = 0
                if report.result == .baseline {
                    // `events=0` alone reads like nothing happened: the first cycle recorded
                    // every post, and only changes from now on are reported.
                    logger.notice(
                        "baseline recorded: \(report.posts) posts; changes from now on are reported",
                        metadata: ["cycle.posts": "\(report.posts)"])
                }
                logger.info(
                    "cycle complete",
                    metadata: [
                        "cycle.posts": "\(report.posts)", "cycle.events": "\(report.events.count)",
                        "cycle.notifications": "\(report.notifications)", "cycle.pages": "\(report.pages)",
                        "cycle.duration_ms": "\(Int(report.duration.secondsValue * 1000))",
                    ])
                await onSuccess(report)
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                await onFailure(error)
                // The first failure is a warning; while it lasts, one line every 10 minutes.
                if failures == 1 || lastFailureLog.map({ clock.now - $0 > .seconds(600) }) ?? true {
                    logger.warning(
                        failures == 1 ? "cycle failed, nothing applied" : "cycles still failing",
                        metadata: ["error": "\(error)", "cycle.failures": "\(failures)"])
                    lastFailureLog = clock.now
                } else {
                    logger.debug("cycle failed", metadata: ["error": "\(error)", "cycle.failures": "\(failures)"])
                }
            }
            let wait = Self.wait(
                after: failures, configuration: configuration, elapsed: clock.now - start,
                random: Double.random(in: 0...1))
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                break
            }
        }
    }

    /// The time until the next cycle: the interval from the last start (never negative), plus
    /// jitter; while cycles fail, the interval doubles per failure up to `maxBackoff`.
    static func wait(after failures: Int, configuration: Configuration, elapsed: Duration, random: Double) -> Duration {
        var base = configuration.interval
        if failures > 1 {
            let factor = Double(1 << min(failures - 1, 16))
            base = min(configuration.interval * factor, max(configuration.maxBackoff, configuration.interval))
        }
        let jitter = configuration.interval * (configuration.jitter * random)
        let remaining = base - elapsed
        return max(remaining, .zero) + jitter
    }
}
