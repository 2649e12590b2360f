import Foundation
import PostgresNIO
import Watch

/// The lease of the replica that polls (``Watch/Leadership``) and the fence every write of the
/// poll path checks.
///
/// One row, `postwatch_lease`, named ``leaseName``; every decision is one statement on the
/// database's clock (`clock_timestamp()`), never a replica's. This instance remembers the
/// lease it was granted (``heldLease``): a renewal must name the epoch it holds, so two
/// replicas given the same `--replica-id` by mistake still cannot both lead.
extension PostgresStore: Leadership {
    /// The lease row's name: one poller per database.
    static let leaseName = "poller"

    public func acquireLease(holder: String, for ttl: Duration) async throws -> Lease? {
        let held = heldLease.withLock { $0?.holder == holder ? $0?.epoch : nil }
        let seconds = ttl.secondsValue
        // Renewal: the holder of the current epoch, lease still running: the epoch stays.
        // Takeover: the lease ran out (or was released): the epoch goes up by one. Otherwise
        // the WHERE leaves the row alone and nothing is returned. ON CONFLICT locks the row,
        // so two replicas trying at once are decided one after the other.
        let query: PostgresQuery = """
            INSERT INTO postwatch_lease AS l (name, holder, epoch, expires_at)
            VALUES (\(Self.leaseName), \(holder), 1, \(unescaped: Self.databaseNow) + \(seconds))
            ON CONFLICT (name) DO UPDATE SET
                holder = EXCLUDED.holder,
                epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.epoch = \(held) AND l.expires_at > \(unescaped: Self.databaseNow)
                    THEN l.epoch ELSE l.epoch + 1 END,
                expires_at = EXCLUDED.expires_at
            WHERE (l.holder = EXCLUDED.holder AND l.epoch = \(held)) OR l.expires_at <= \(unescaped: Self.databaseNow)
            RETURNING holder, epoch, expires_at
            """
        let lease = try await leaseStatement("take the lease") { connection in
            try await Self.leases(connection.query(query, logger: logger)).first
        }
        heldLease.withLock { $0 = lease }
        return lease
    }

    public func releaseLease(_ lease: Lease) async throws {
        heldLease.withLock { if $0?.epoch == lease.epoch { $0 = nil } }
        // Ends it now, keeping holder and epoch (the next taker goes one up); a lease taken
        // over meanwhile is not this one's to end.
        let query: PostgresQuery = """
            UPDATE postwatch_lease SET expires_at = \(unescaped: Self.databaseNow)
            WHERE name = \(Self.leaseName) AND holder = \(lease.holder) AND epoch = \(lease.epoch)
                AND expires_at > \(unescaped: Self.databaseNow)
            """
        try await leaseStatement("release the lease") { connection in
            _ = try await connection.query(query, logger: logger).collect()
        }
    }

    public func currentLease() async throws -> Lease? {
        let query: PostgresQuery = "SELECT holder, epoch, expires_at FROM postwatch_lease WHERE name = \(Self.leaseName)"
        return try await leaseStatement("read the lease") { connection in
            try await Self.leases(connection.query(query, logger: logger)).first
        }
    }

    /// The fence of the poll path's writes: inside their transaction, as its last statement,
    /// refuses with ``Watch/StoreError/Code/fenced`` (so the transaction rolls back) unless
    /// `fence`, or without one the epoch this instance holds, is the current epoch and the
    /// lease has not run out by the database's clock.
    ///
    /// Last, so that the row lock (`FOR SHARE`) is held only until the commit right after it:
    /// a takeover begun before the check makes it fail; one begun after it waits for this
    /// transaction to commit, so the new leader reads what it wrote. Never at the start: a
    /// renewal of this same lease would then wait for the whole write.
    func checkFence(_ fence: Int64?, on connection: PostgresConnection) async throws {
        let query: PostgresQuery = """
            SELECT holder, epoch, expires_at, expires_at > \(unescaped: Self.databaseNow)
            FROM postwatch_lease WHERE name = \(Self.leaseName) FOR SHARE
            """
        let rows = try await connection.query(query, logger: logger)
        var current: (lease: Lease, running: Bool)?
        for try await (holder, epoch, expiresAt, running) in rows.decode((String, Int64, Double, Bool).self) {
            current = (Lease(holder: holder, epoch: epoch, expiresAt: Date(timeIntervalSince1970: expiresAt)), running)
        }
        let epoch = fence ?? heldLease.withLock { $0?.epoch }
        if let epoch, let current, current.lease.epoch == epoch, current.running { return }
        throw Self.fenced(epoch: epoch, current: current)
    }

    /// What a refused write says: which lease it carried, who leads and until when.
    static func fenced(epoch: Int64?, current: (lease: Lease, running: Bool)?) -> StoreError {
        let carried = epoch.map { "under lease epoch \($0)" } ?? "without the lease (this replica never took it)"
        let now: String
        switch current {
        case nil:
            now = "no replica has taken the lease yet"
        case let (lease, running)? where running:
            now = "replica '\(lease.holder)' leads until \(lease.expiresAt.formatted(.iso8601)) (epoch \(lease.epoch))"
        case let (lease, _)?:
            now = "the lease of replica '\(lease.holder)' (epoch \(lease.epoch)) ran out at \(lease.expiresAt.formatted(.iso8601))"
        }
        return StoreError(.fenced, "refused to write the cycle \(carried): \(now); nothing was written")
    }

    private static func leases(_ rows: PostgresRowSequence) async throws -> [Lease] {
        var leases: [Lease] = []
        for try await (holder, epoch, expiresAt) in rows.decode((String, Int64, Double).self) {
            leases.append(Lease(holder: holder, epoch: epoch, expiresAt: Date(timeIntervalSince1970: expiresAt)))
        }
        return leases
    }

    /// One lease statement on a pooled connection; a failure says what it was for.
    private func leaseStatement<T: Sendable>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withConnection(body)
        } catch let error as StoreError {
            throw StoreError(error.code, "cannot \(what): \(error.message)")
        }
    }
}
