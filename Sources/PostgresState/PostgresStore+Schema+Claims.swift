extension PostgresStore {
    /// Schema 3 (issue 17, delivery by every replica): the claim of each outbox entry (who
    /// sends it, until when, on the database's clock) and each destination's send slot and
    /// pause, shared by the replicas.
    ///
    /// `compatibleFrom` is 3: a binary that delivers without claiming, beside replicas that
    /// claim, would send their claimed notifications a second time.
    static let claimsMigration = PostgresMigration(version: 3, compatibleFrom: 3, sql: [
        "ALTER TABLE outbox ADD COLUMN claimed_by text, ADD COLUMN claim_until double precision",
        // `destination`: the SHA-256 Delivery keys a destination by, never its URL (which may
        // hold a token). `tat`: the GCRA's theoretical arrival time (`SendSlot`).
        """
        CREATE TABLE postwatch_destinations (
            destination text PRIMARY KEY, tat double precision, paused_until double precision)
        """,
    ])
}
