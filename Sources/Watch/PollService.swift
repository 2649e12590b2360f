import Foundation
import Logging
import ServiceLifecycle
import Timekeeping

/// The daemon's poll loop: one cycle at a time, every `interval` counted from the cycle's start
/// (with a little jitter so many instances do not beat in step), backing off while the API is
/// down without writing a log line per failed cycle.
///
/// A swift-service-lifecycle `Service`: a graceful shutdown ends the wait between two cycles,
/// never a cycle half-way. Time comes from the injected ``WallClock``.
public struct PollService: Service, CustomStringConvertible {
    /// What ServiceLifecycle logs for this service (the default would dump its closures and logger).
    public var description: String { "PollService(interval: \(configuration.interval))" }

    public struct Configuration: Sendable {
        public var interval: Duration
        /// Up to this fraction of the interval is added at random to each wait.
        public var jitter: Double
        /// The longest wait between two cycles while they fail.
        public var maxBackoff: Duration
        /// While this replica does not lead (see `leading`), how often it looks again: a
        /// takeover polls within this of the lease being taken, not an interval later.
        public var standbyCheck: Duration
        public init(
            interval: Duration = .seconds(60), jitter: Double = 0.05, maxBackoff: Duration = .seconds(600),
            standbyCheck: Duration = .seconds(1)
        ) {
            self.interval = interval
            self.jitter = jitter
            self.maxBackoff = maxBackoff
            self.standbyCheck = standbyCheck
        }

        /// While cycles fail, the interval doubles per failure up to `maxBackoff`.
        var backoff: Backoff { Backoff(base: interval, cap: max(maxBackoff, interval)) }
    }

    private let cycle: @Sendable (Date) async throws -> CycleReport
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let leading: @Sendable () -> Bool
    private let onSuccess: @Sendable (CycleReport) async -> Void
    private let onFailure: @Sendable (any Error) async -> Void

    /// - Parameters:
    ///   - cycle: runs one cycle at the given time (the poller's `runOnce(now:)`).
    ///   - leading: whether this replica polls now (``LeaseKeeper/isLeader`` on a shared store);
    ///     while it says no, no cycle runs (a follower lists nothing).
    ///   - onSuccess, onFailure: metrics, readiness, progress.
    public init(
        configuration: Configuration, clock: any WallClock = SystemClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        leading: @escaping @Sendable () -> Bool = { true },
        cycle: @escaping @Sendable (Date) async throws -> CycleReport,
        onSuccess: @escaping @Sendable (CycleReport) async -> Void = { _ in },
        onFailure: @escaping @Sendable (any Error) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.random = random
        self.leading = leading
        self.cycle = cycle
        self.onSuccess = onSuccess
        self.onFailure = onFailure
    }

    public func run() async throws {
        var failures = 0
        var lastFailureLog: Duration?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            guard leading() else {
                // A follower: no cycle and no log line; it looks again soon, so that a takeover
                // polls at once rather than an interval later.
                let wait = min(configuration.standbyCheck, configuration.interval)
                do {
                    try await cancelWhenGracefulShutdown { try await clock.sleep(for: wait) }
                } catch {
                    break
                }
                continue
            }
            // Intervals on the monotonic reading: a clock set back an hour must not pause cycles.
            let start = clock.elapsed
            do {
                let report = try await cycle(clock.now)
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
                if failures == 1 || lastFailureLog.map({ clock.elapsed - $0 > .seconds(600) }) ?? true {
                    logger.warning(
                        failures == 1 ? "cycle failed, nothing applied" : "cycles still failing",
                        metadata: ["error": "\(error)", "cycle.failures": "\(failures)"])
                    lastFailureLog = clock.elapsed
                } else {
                    logger.debug("cycle failed", metadata: ["error": "\(error)", "cycle.failures": "\(failures)"])
                }
            }
            let elapsed = clock.elapsed - start
            let wait = Self.wait(after: failures, configuration: configuration, elapsed: elapsed, random: random())
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: wait) }
            } catch {
                break
            }
        }
    }

    /// The time until the next cycle: the interval from the last start (never negative), plus
    /// jitter; while cycles fail, the interval doubles per failure up to `maxBackoff`.
    static func wait(after failures: Int, configuration: Configuration, elapsed: Duration, random: Double) -> Duration {
        // Not full jitter: the cadence stays the interval, jitter only keeps instances apart.
        let base = configuration.backoff.ceiling(attempt: failures)
        let jitter = configuration.interval * (configuration.jitter * random)
        return max(base - elapsed, .zero) + jitter
    }
}
