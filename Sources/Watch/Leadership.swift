import Foundation

/// The lease that makes one replica of several the poller (issue 17): a seam implemented by
/// the shared store on PostgreSQL only; a SQLite state file has one process by its lock.
///
/// Every decision is the database's, on its own clock: replicas' clocks drift, and a lease
/// judged by the holder's clock would let two replicas both believe they hold it. The lease
/// carries a **fencing epoch** that increases on every takeover; the store refuses a commit
/// whose epoch is not the current one (``StoreError/Code/fenced``), so a replica that stalled
/// past its lease cannot apply what it listed before it stalled.
///
/// ```swift
/// if let lease = try await store.acquireLease(holder: "pod-a", for: .seconds(15)) {
///     // poll; renew by calling acquireLease again before lease.expiresAt
/// }
/// ```
public protocol Leadership: Sendable {
    /// Takes the lease when it is free or expired (the epoch goes up by one), or renews it
    /// when `holder` holds it (the epoch stays); nil when another holder's lease is still
    /// running. One statement on the database's clock: the lease ends `ttl` after it.
    func acquireLease(holder: String, for ttl: Duration) async throws -> Lease?
    /// Gives the lease up at once, if `lease` is still the current one (a follower then takes
    /// over at its next try instead of waiting for the lease to run out).
    func releaseLease(_ lease: Lease) async throws
    /// The lease as the store has it now, whoever holds it (expired or not); nil when none
    /// was ever taken. For messages ("replica X leads until T"), never for decisions.
    func currentLease() async throws -> Lease?
}

/// The lease as the store granted it: who holds it, its fencing epoch and when it runs out by
/// the database's clock.
public struct Lease: Sendable, Hashable {
    /// The replica's id (`--replica-id`, by default host name and process id).
    public var holder: String
    /// Goes up by one on every takeover, never on a renewal; commits carry it
    /// (``CycleCommit/fence``).
    public var epoch: Int64
    /// When the lease runs out unless renewed, by the database's clock.
    public var expiresAt: Date

    public init(holder: String, epoch: Int64, expiresAt: Date) {
        self.holder = holder
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}
