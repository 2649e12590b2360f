import Foundation
import PostgresNIO
import Watch

/// Send permits shared by the replicas (``Watch/SendPermits``): one transaction checks that
/// this replica still holds its claim on the entry (and extends it), and takes the
/// destination's next send slot from `postwatch_destinations` (GCRA, ``SendSlot``, plus the
/// pause a `Retry-After` set), on the database's clock. Three replicas sending to a hook
/// limited to one message a second send one a second between them.
///
/// A destination is keyed by what Delivery passes, the SHA-256 of the destination: no URL or
/// token is ever stored.
extension PostgresStore: SendPermits {
    public func permit(entry: Int64, destination: String, perSecond: Double?, burst: Int, at now: Date) async throws -> Duration? {
        let lease = configuration.claimLease.secondsValue
        guard let perSecond else { return try await unlimitedPermit(entry: entry, destination: destination, lease: lease) }
        return try await transaction { connection in
            // Still this replica's, even past its expiry when nobody took it over: whoever
            // takes an entry over claims it first (`due`), under this same row lock.
            let held = try await execute(
                "SELECT id FROM outbox WHERE id = \(entry) AND state = 'pending' AND claimed_by = \(replicaId) FOR UPDATE",
                on: connection)
            guard held > 0 else { return nil }
            // The row is made if new and locked either way; the clock is read once locked, so
            // a replica that waited for the lock does not take a slot in the past.
            let rows = try await connection.query(
                """
                INSERT INTO postwatch_destinations (destination) VALUES (\(destination))
                ON CONFLICT (destination) DO UPDATE SET destination = EXCLUDED.destination
                RETURNING tat, paused_until, \(unescaped: Self.databaseNow)
                """, logger: logger)
            var state: (tat: Double?, pausedUntil: Double?, at: Double)?
            for try await row in rows.decode((Double?, Double?, Double).self) { state = row }
            guard let (tat, pausedUntil, databaseNow) = state else {
                throw StoreError(.database, "the send slot of a destination could not be taken")
            }
            let slot = SendSlot.next(tat: tat, pausedUntil: pausedUntil, now: databaseNow, perSecond: perSecond, burst: burst)
            try await execute("UPDATE postwatch_destinations SET tat = \(slot.tat) WHERE destination = \(destination)", on: connection)
            // The claim lasts its lease past the slot: a send that waits for its turn keeps it.
            try await execute(
                "UPDATE outbox SET claim_until = GREATEST(claim_until, \(slot.at + lease)) WHERE id = \(entry)", on: connection)
            return Self.wait(from: databaseNow, until: slot.at)
        }
    }

    /// A destination without a rate limit: only a pause holds the send back, and only the claim
    /// is written, so one statement does it (a round trip, not five: most webhooks have no
    /// limit). The claim's `UPDATE` takes the row lock the transaction's `SELECT … FOR UPDATE`
    /// would, and re-checks the holder on the row's newest version.
    private func unlimitedPermit(entry: Int64, destination: String, lease: Double) async throws -> Duration? {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                WITH clock AS (SELECT \(unescaped: Self.databaseNow) AS now),
                slot AS (
                    SELECT GREATEST(
                        (SELECT now FROM clock),
                        (SELECT paused_until FROM postwatch_destinations WHERE destination = \(destination))) AS at),
                held AS (
                    UPDATE outbox SET claim_until = GREATEST(claim_until, (SELECT at FROM slot) + \(lease))
                    WHERE id = \(entry) AND state = 'pending' AND claimed_by = \(replicaId)
                    RETURNING id)
                SELECT EXISTS (SELECT 1 FROM held), (SELECT now FROM clock), (SELECT at FROM slot)
                """, logger: logger)
            for try await (held, now, slot) in rows.decode((Bool, Double, Double).self) {
                return held ? Self.wait(from: now, until: slot) : nil
            }
            throw StoreError(.database, "a send permit could not be read")
        }
    }

    /// `until − from` as a wait, rounded up to the millisecond (never early).
    private static func wait(from now: Double, until slot: Double) -> Duration {
        .milliseconds(Int64(((slot - now) * 1000).rounded(.up)))
    }

    public func pause(destination: String, until: Date) async throws {
        try await withConnection { connection in
            try await execute(
                """
                INSERT INTO postwatch_destinations (destination, paused_until) VALUES (\(destination), \(until.timeIntervalSince1970))
                ON CONFLICT (destination) DO UPDATE
                SET paused_until = GREATEST(postwatch_destinations.paused_until, EXCLUDED.paused_until)
                """, on: connection)
        }
    }
}
