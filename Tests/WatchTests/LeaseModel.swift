import Foundation
import Synchronization
import Timekeeping
import Watch

/// What a lease table must do, in a few lines of plain Swift: the model the PostgreSQL
/// store's lease is checked against (LeaseTests), and the fake ``Leadership`` the
/// LeaseKeeper's tests run on.
///
/// Each holder remembers the epoch it was granted, as a store instance does: a renewal is
/// a renewal only for the holder of the current, unexpired epoch; anything else takes the
/// lease (a new epoch) when it is free or expired, or gets nothing.
struct LeaseModel {
    private(set) var lease: Lease?
    /// The epoch each holder was last granted (nil after a refusal or a release).
    private(set) var granted: [String: Int64] = [:]
    /// Every epoch ever granted, in order.
    private(set) var epochs: [Int64] = []

    mutating func acquire(holder: String, ttl: TimeInterval, now: Date) -> Lease? {
        if var current = lease, current.expiresAt > now {
            guard current.holder == holder, granted[holder] == current.epoch else {
                granted[holder] = nil
                return nil
            }
            current.expiresAt = now.addingTimeInterval(ttl)
            lease = current
            return current
        }
        let taken = Lease(holder: holder, epoch: (lease?.epoch ?? 0) + 1, expiresAt: now.addingTimeInterval(ttl))
        lease = taken
        granted[holder] = taken.epoch
        epochs.append(taken.epoch)
        return taken
    }

    /// Ends the lease at `now` when `released` is still the current one.
    mutating func release(_ released: Lease, now: Date) {
        granted[released.holder] = nil
        guard var current = lease, current.epoch == released.epoch, current.holder == released.holder,
            current.expiresAt > now
        else { return }
        current.expiresAt = now
        lease = current
    }

    /// The lease runs out now, whoever holds it (a holder that stalled past it).
    mutating func expire(now: Date) {
        guard var current = lease, current.expiresAt > now else { return }
        current.expiresAt = now
        lease = current
    }

    /// Whether a commit by `holder` with `fence` is applied: the fence (or, without one, the
    /// epoch the holder was granted) is the current epoch, and the lease has not run out.
    func accepts(holder: String, fence: Int64?, now: Date) -> Bool {
        guard let epoch = fence ?? granted[holder], let lease else { return false }
        return lease.epoch == epoch && lease.expiresAt > now
    }

    /// Who holds an unexpired lease now.
    func holder(at now: Date) -> String? {
        guard let lease, lease.expiresAt > now else { return nil }
        return lease.holder
    }
}

/// ``LeaseModel`` behind the ``Leadership`` seam, on a test clock; `failing` makes every call
/// throw, as an unreachable database does.
final class ModelLeadership: Leadership {
    struct Unreachable: Error {}

    let clock: any WallClock
    private let state = Mutex<(model: LeaseModel, failing: Bool, calls: Int)>((LeaseModel(), false, 0))
    /// Called after each acquire, with the number of acquires so far.
    let onAcquire: @Sendable (Int) async -> Void

    init(clock: any WallClock, onAcquire: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.clock = clock
        self.onAcquire = onAcquire
    }

    var model: LeaseModel { state.withLock { $0.model } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func acquireLease(holder: String, for ttl: Duration) async throws -> Lease? {
        let now = clock.now
        let (lease, calls) = try state.withLock { state in
            guard !state.failing else { throw Unreachable() }
            state.calls += 1
            return (state.model.acquire(holder: holder, ttl: ttl.secondsValue, now: now), state.calls)
        }
        await onAcquire(calls)
        return lease
    }

    func releaseLease(_ lease: Lease) async throws {
        let now = clock.now
        try state.withLock { state in
            guard !state.failing else { throw Unreachable() }
            state.model.release(lease, now: now)
        }
    }

    func currentLease() async throws -> Lease? {
        try state.withLock { state in
            guard !state.failing else { throw Unreachable() }
            return state.model.lease
        }
    }
}
