extension PostgresStore {
    /// Schema 2 (issue 17, leadership): the lease of the one replica that polls, one row.
    /// Additive: a replica of schema 1 keeps working beside it (it never polls under a lease,
    /// which is why schema 1 never ran with several replicas).
    ///
    /// `expires_at` is the database's time in seconds since 1970, as every time in this schema
    /// (`clock_timestamp()` when taken or renewed, plus the lease's length): every decision
    /// about the lease is made on the database's clock.
    static let leaseMigration = PostgresMigration(
        version: 2, compatibleFrom: 1,
        sql: [
            """
            CREATE TABLE postwatch_lease (
                name text PRIMARY KEY,
                holder text NOT NULL,
                epoch bigint NOT NULL CHECK (epoch > 0),
                expires_at double precision NOT NULL
            )
            """
        ])
}
