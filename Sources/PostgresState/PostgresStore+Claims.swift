import Foundation
import PostgresNIO
import Watch

/// Delivery by every replica: each reads the outbox through ``due(at:limitPerChannel:)``, which
/// claims what it returns for ``PostgresConfiguration/claimLease`` (on the database's clock),
/// so that no two replicas send the same notification. A replica that dies (or stalls past
/// its lease) leaves its claims to expire; another replica then claims and sends them, with
/// the same idempotency key. The marks (`markDelivered`, `markFailed`, `markPendingDead`,
/// `retry`) clear the claim.
extension PostgresStore {
    /// Pending entries due at `now`, at most `limitPerChannel` per channel, oldest first, now
    /// claimed by this replica: those unclaimed, claimed by a replica whose claim expired, or
    /// already this replica's (asked twice, the answer is the same). Rows another replica is
    /// claiming at this instant are passed over (`SKIP LOCKED`), never waited for.
    ///
    /// `now` says what is due (the caller's time, as on SQLite); the claim's expiry is the
    /// database's clock, since replicas' clocks drift.
    public func due(at now: Date, limitPerChannel: Int) async throws -> [OutboxEntry] {
        let lease = configuration.claimLease.secondsValue
        return try await withConnection { connection in
            // Per channel, its first `limitPerChannel` rows that no other replica holds or is
            // claiming right now: the lock comes before the limit, so rows being claimed by
            // another replica are passed over for the next ones, not counted and then skipped
            // (ranking first gave a second replica nothing while the first was claiming). A
            // row claimed meanwhile is re-checked on its newest version and left out.
            let rows = try await connection.query(
                """
                WITH taken AS (
                    SELECT claimable.id FROM (
                        SELECT DISTINCT channel FROM outbox
                        WHERE state = 'pending' AND next_attempt_at <= \(now.timeIntervalSince1970)
                    ) due
                    CROSS JOIN LATERAL (
                        SELECT id FROM outbox
                        WHERE state = 'pending' AND channel = due.channel AND next_attempt_at <= \(now.timeIntervalSince1970)
                          AND (claimed_by IS NULL OR claimed_by = \(replicaId) OR claim_until < \(unescaped: Self.databaseNow))
                        ORDER BY next_attempt_at, id
                        LIMIT \(limitPerChannel)
                        FOR UPDATE SKIP LOCKED
                    ) claimable
                )
                UPDATE outbox SET claimed_by = \(replicaId), claim_until = \(unescaped: Self.databaseNow) + \(lease)
                WHERE id IN (SELECT id FROM taken)
                RETURNING \(unescaped: Self.outboxColumns)
                """, logger: logger)
            return try await Self.entries(rows).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    /// The claim columns' values once a mark settled or rescheduled an entry: nobody's.
    static let releasedClaim = "claimed_by = NULL, claim_until = NULL"

}
