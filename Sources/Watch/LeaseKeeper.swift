import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Timekeeping

/// Keeps this replica's lease on a shared store (``Leadership``): tries to take it every third
/// of its length, renews it while held, and says at every moment whether this replica leads.
///
/// The poll loop runs a cycle only while ``isLeader``; delivery and the API run on every
/// replica. Losing the lease is noticed at once: a renewal refused ends leadership on the
/// spot, and while the store cannot be reached this replica stops leading when the lease it
/// last got would have run out, counted on the monotonic clock from the moment it asked for it
/// (never later than the database's own expiry). Even a replica that believes too long that it
/// leads (stopped by SIGSTOP) cannot commit: the store checks the fencing epoch.
///
/// A swift-service-lifecycle `Service`: on graceful shutdown it gives the lease up, so a
/// follower takes over at its next try instead of a whole lease later. In `run`'s service
/// group it comes before the poll loop, which therefore finishes its cycle before the lease
/// goes.
public final class LeaseKeeper: Service, Sendable, CustomStringConvertible {
    public struct Configuration: Sendable {
        /// This replica's name in the lease (`--replica-id`).
        public var holder: String
        /// How long a lease runs unless renewed (`--lease`).
        public var ttl: Duration

        public init(holder: String, ttl: Duration = .seconds(15)) {
            self.holder = holder
            self.ttl = ttl
        }

        /// Renewals, and a follower's tries, come this often: three tries per lease, so that
        /// one lost round trip does not lose it.
        public var renewEvery: Duration { ttl / 3 }
    }

    /// What this replica is, as `/readyz` and the metrics say it.
    public enum Role: String, Sendable, Hashable {
        /// Holds the lease: polls.
        case leader
        /// Another replica holds the lease, as the store answered last.
        case follower
        /// Not leading, and the store gave no answer to the last try (or none was made yet).
        case unknown
    }

    /// The keeper's view after a try, for metrics.
    public struct Status: Sendable, Hashable {
        public var role: Role
        /// The fencing epoch of the lease held; nil unless leading.
        public var epoch: Int64?

        public init(role: Role, epoch: Int64? = nil) {
            self.role = role
            self.epoch = epoch
        }
    }

    public var description: String { "LeaseKeeper(holder: \(configuration.holder), lease: \(configuration.ttl))" }

    private struct State {
        var lease: Lease?
        /// When the lease held runs out on `clock.elapsed`: its length after the try began.
        var deadline: Duration = .zero
        /// The last try got an answer from the store.
        var answered = false
        var failures = 0
    }

    private let leadership: any Leadership
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let observe: @Sendable (Status) -> Void
    private let state = Mutex(State())

    /// - Parameter observe: called after every try and on release (the metrics' gauges).
    public init(
        leadership: any Leadership, configuration: Configuration, clock: any WallClock = SystemClock(),
        logger: Logger, observe: @escaping @Sendable (Status) -> Void = { _ in }
    ) {
        self.leadership = leadership
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.observe = observe
    }

    /// True while this replica holds a lease that has not run out.
    public var isLeader: Bool { status.role == .leader }

    /// The fencing epoch of the lease held; nil unless leading.
    public var epoch: Int64? { status.epoch }

    public var status: Status {
        let now = clock.elapsed
        return state.withLock { state in
            if let lease = state.lease, now < state.deadline { return Status(role: .leader, epoch: lease.epoch) }
            return Status(role: state.answered ? .follower : .unknown, epoch: nil)
        }
    }

    public func run() async throws {
        await keep()
        // Not when cancelled outright: the store's call would fail at once, and the lease
        // runs out by itself.
        if !Task.isCancelled { await release() }
    }

    /// Tries every ``Configuration/renewEvery`` until cancelled or shut down gracefully;
    /// keeps the lease when it returns (``release()`` gives it up).
    public func keep() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await attempt()
            do {
                try await cancelWhenGracefulShutdown { [clock, configuration] in
                    try await clock.sleep(for: configuration.renewEvery)
                }
            } catch {
                break
            }
        }
    }

    /// One try: takes the lease, or renews it when held. Logs a change of role.
    @discardableResult
    public func attempt() async -> Status {
        let start = clock.elapsed
        let before = (lease: state.withLock { $0.lease }, role: status.role)
        do {
            let lease = try await leadership.acquireLease(holder: configuration.holder, for: configuration.ttl)
            let failures = state.withLock { state in
                defer { state.failures = 0 }
                state.lease = lease
                state.deadline = start + configuration.ttl
                state.answered = true
                return state.failures
            }
            if failures > 0 { logger.notice("the shared store answers again", metadata: ["lease.failures": "\(failures)"]) }
            await logChange(from: before, to: lease)
        } catch {
            // Stopped while asking (the check's cycle ended): no answer, and nothing to report.
            if Task.isCancelled { return status }
            let (failures, expired) = state.withLock { state in
                state.failures += 1
                state.answered = false
                let expired = state.lease != nil && clock.elapsed >= state.deadline
                if expired { state.lease = nil }
                return (state.failures, expired)
            }
            if expired {
                logger.warning(
                    "lease ran out while the shared store could not be reached; polling stops",
                    metadata: ["error": "\(error)", "lease.epoch": "\(before.lease?.epoch ?? 0)"])
            } else if failures == 1 {
                logger.warning("cannot reach the shared store for the lease", metadata: ["error": "\(error)"])
            } else {
                logger.debug("lease try failed", metadata: ["error": "\(error)", "lease.failures": "\(failures)"])
            }
        }
        let after = status
        observe(after)
        return after
    }

    /// Gives the lease up, if held; a follower takes over at its next try.
    public func release() async {
        let held = state.withLock { state in
            defer { state.lease = nil }
            return state.lease
        }
        guard let held else { return }
        do {
            try await leadership.releaseLease(held)
            logger.notice("lease released", metadata: ["lease.epoch": "\(held.epoch)"])
        } catch {
            logger.warning(
                "lease not released; another replica takes over when it runs out",
                metadata: ["error": "\(error)", "lease.expires_at": "\(held.expiresAt)"])
        }
        observe(status)
    }

    private func logChange(from before: (lease: Lease?, role: Role), to lease: Lease?) async {
        if let lease {
            guard before.lease?.epoch != lease.epoch else { return }
            logger.notice(
                "leading: this replica polls", metadata: ["lease.epoch": "\(lease.epoch)", "lease.holder": "\(lease.holder)"])
            return
        }
        guard before.lease != nil || before.role != .follower else { return }
        // Only on a change: one more round trip, for a line that says who leads.
        let current = try? await leadership.currentLease()
        var metadata: Logger.Metadata = [:]
        if let current {
            metadata["lease.holder"] = "\(current.holder)"
            metadata["lease.expires_at"] = "\(current.expiresAt)"
        }
        if before.lease != nil {
            logger.warning("lease lost to another replica; polling stops", metadata: metadata)
        } else {
            logger.info("following: another replica polls", metadata: metadata)
        }
    }
}
