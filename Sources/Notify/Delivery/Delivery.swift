import Foundation
import Logging
import Rules
import ServiceLifecycle
import Synchronization
import Timekeeping
import Watch

/// Sends what the outbox holds: many destinations at once, each at its own pace (rate limit,
/// backoff, `Retry-After`), so a slow or failing destination never delays another.
///
/// As a swift-service-lifecycle `Service`, `run()` is the long-lived loop of `postwatch run`
/// and `demo`; `deliverDue(now:)` and `drain(until:)` serve the one-shot `check`. Delivery is
/// at least once: an entry is marked delivered after the destination accepted it. Time comes
/// from the injected ``WallClock``.
///
/// Every send is permitted first (``Watch/SendPermits``): in one process by a ``RateLimiter``;
/// on a shared store by the store, which also says when another replica took the entry over.
public final class Delivery: Service, CustomStringConvertible, Sendable {
    /// What ServiceLifecycle logs for this service.
    public var description: String { "Delivery" }

    public struct Configuration: Sendable {
        /// Entries of one channel read from the outbox at a time (every channel gets as many).
        public var batchSize: Int
        /// How often `run()` looks for due entries.
        public var pollInterval: Duration
        /// A notification not delivered this long after it was queued is `dead` (kept, listed).
        public var deadAfter: Duration
        public var backoff: Backoff

        public init(batchSize: Int = 500, pollInterval: Duration = .seconds(1), deadAfter: Duration = .seconds(86_400), backoff: Backoff = Backoff()) {
            self.batchSize = batchSize
            self.pollInterval = pollInterval
            self.deadAfter = deadAfter
            self.backoff = backoff
        }
    }

    /// What a pass did.
    public struct Report: Sendable, Hashable {
        public var delivered = 0
        /// Failed, to be retried later.
        public var retrying = 0
        /// Failed for good at once (a 4xx other than 408/429, an unreadable payload): now dead.
        public var failed = 0
        /// Given up after `deadAfter` of failures: now dead.
        public var dead = 0
        /// Claims that passed to another replica before the send (or mid-send): neither sent
        /// further nor marked here; the replica holding the claim does both.
        public var handedOver = 0
        public init() {}

        static func + (lhs: Report, rhs: Report) -> Report {
            var sum = lhs
            sum.delivered += rhs.delivered
            sum.retrying += rhs.retrying
            sum.failed += rhs.failed
            sum.dead += rhs.dead
            sum.handedOver += rhs.handedOver
            return sum
        }
    }

    /// One attempt's outcome, for metrics (`postwatch_deliveries_total{channel_kind, result}`).
    public struct Outcome: Sendable, Hashable {
        public enum Result: String, Sendable, Hashable { case delivered, retry, failed, dead }
        public var channel: String
        /// `slack`, `webhook`, …; nil when the channel is not declared any more.
        public var channelKind: ChannelKind?
        public var result: Result
    }

    let outbox: any Outbox
    let configuration: Configuration
    let clock: any WallClock
    let logger: Logger
    let random: @Sendable () -> Double
    let observe: @Sendable (Outcome) -> Void
    let permits: any SendPermits
    private let wakeup = Wakeup()
    private let channels: Mutex<[String: any Channel]>
    /// Destinations with a worker in `run()`: one worker per destination keeps its order and pace.
    private let busy = Mutex<Set<String>>([])

    public init(
        outbox: any Outbox, channels: [any Channel], configuration: Configuration = Configuration(),
        clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "postwatch.delivery"),
        permits: any SendPermits = RateLimiter(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        observe: @escaping @Sendable (Outcome) -> Void = { _ in }
    ) {
        self.permits = permits
        self.observe = observe
        self.outbox = outbox
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.random = random
        self.channels = Mutex(Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// Uses these channels from now on (after the rules were reloaded).
    public func replaceChannels(_ channels: [any Channel]) {
        self.channels.withLock { $0 = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }) }
    }

    /// Ends the loop's wait for its next poll now: a hint that notifications were queued (a
    /// PostgreSQL `NOTIFY` from the replica that committed them). The poll stays the fallback.
    public func wake() {
        wakeup.ring()
    }

    /// Delivers every entry due at `now`, all destinations concurrently; returns once each was
    /// tried once (or `deadline` came: the rest stays pending).
    public func deliverDue(now: Date, deadline: Date? = nil) async -> Report {
        var report = Report()
        var tried = Set<Int64>()
        while true {
            let due: [OutboxEntry]
            do {
                due = try await outbox.due(at: now, limitPerChannel: configuration.batchSize).filter { !tried.contains($0.id) }
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                return report
            }
            if due.isEmpty { return report }
            due.forEach { tried.insert($0.id) }
            let batches = batchesByDestination(due)
            report = report + (await withTaskGroup(of: Report.self) { group in
                for (_, batch) in batches {
                    group.addTask { await self.deliver(batch.entries, to: batch.channel, channelName: batch.name, deadline: deadline) }
                }
                return await group.reduce(Report(), +)
            })
            if let deadline, clock.now >= deadline { return report }
        }
    }

    /// Delivers until nothing is pending or `deadline` comes, waiting for retries that fall
    /// before it. What is left stays pending (`check` exits 4).
    public func drain(until deadline: Date) async -> Report {
        var report = Report()
        while clock.now < deadline {
            report = report + (await deliverDue(now: clock.now, deadline: deadline))
            guard let next = try? await outbox.nextAttempt() else { break }
            if next >= deadline { break }
            let wait = max(next.timeIntervalSince(clock.now), 0.01)
            do { try await clock.sleep(for: .milliseconds(Int64(wait * 1000))) } catch { break }
        }
        return report
    }

    /// The service loop: every `pollInterval` (sooner after a ``wake()``), starts a worker for
    /// each destination that has due entries and no worker yet. On a graceful shutdown (SIGTERM) or cancellation it starts
    /// nothing new, and a send in flight completes (its entry is marked) before the loop returns.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
    }

    private func loop() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    let due = try await outbox.due(at: clock.now, limitPerChannel: configuration.batchSize)
                    for (destination, batch) in batchesByDestination(due) {
                        let claimed = busy.withLock { $0.insert(destination).inserted }
                        guard claimed else { continue }
                        group.addTask {
                            _ = await self.deliver(batch.entries, to: batch.channel, channelName: batch.name, deadline: nil)
                            _ = self.busy.withLock { $0.remove(destination) }
                        }
                    }
                } catch {
                    // A read cut short by the shutdown is no error to report.
                    if Task.isCancelled { break }
                    logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                }
                await nap()
            }
        }
    }

    /// Waits for the next poll: `pollInterval`, or less if woken; returns at once when cancelled.
    private func nap() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock, configuration] in try? await clock.sleep(for: configuration.pollInterval) }
            group.addTask { [wakeup] in await wakeup.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    private struct Batch {
        var name: String
        var channel: (any Channel)?
        var entries: [OutboxEntry]
    }

    /// Entries by destination; an entry whose channel is gone gets its own batch (it fails).
    private func batchesByDestination(_ entries: [OutboxEntry]) -> [String: Batch] {
        let channels = self.channels.withLock { $0 }
        var batches: [String: Batch] = [:]
        for entry in entries {
            let channel = channels[entry.draft.channel]
            let key = channel.map { "\($0.kind) \($0.destination)" } ?? "unknown \(entry.draft.channel)"
            batches[key, default: Batch(name: entry.draft.channel, channel: channel, entries: [])].entries.append(entry)
        }
        return batches
    }
}
