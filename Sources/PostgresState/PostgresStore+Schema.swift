import Logging
import PostgresNIO
import Watch

/// One change of the PostgreSQL schema: its statements, run in order in the transaction that
/// records it.
///
/// `compatibleFrom` is the oldest schema version whose binaries still work on a database at
/// this version: an additive change (a new table, a nullable column) keeps it where it was, so
/// that during a rolling upgrade the replicas not yet upgraded carry on; a change older
/// binaries would misread sets it to its own version.
public struct PostgresMigration: Sendable {
    public var version: Int
    public var compatibleFrom: Int
    public var sql: [String]

    public init(version: Int, compatibleFrom: Int, sql: [String]) {
        self.version = version
        self.compatibleFrom = compatibleFrom
        self.sql = sql
    }
}

extension PostgresStore {
    /// The schema, one migration per change; never edit a migration that shipped, add one.
    static let migrations: [PostgresMigration] = [initialMigration, leaseMigration, claimsMigration]

    /// The schema version this build writes.
    public static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Taken (for the migration's transaction) by every replica that starts: one migrates,
    /// the others wait and then find nothing left to do. "postwatc" in ASCII.
    static let migrationLock: Int64 = 0x706f_7374_7761_7463

    /// Brings the database to ``schemaVersion`` in one transaction under the migration lock,
    /// or refuses a database a newer postwatch migrated past what this one can work with.
    static func migrate(_ configuration: PostgresConnection.Configuration, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            try await transaction(on: connection, logger: logger) { connection in
                try await migrate(on: connection, migrations: migrations, logger: logger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The migration step proper, on a connection in a transaction (tests run it with lists of
    /// their own, to play a newer binary).
    static func migrate(on connection: PostgresConnection, migrations: [PostgresMigration], logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS postwatch_schema (
                version integer PRIMARY KEY,
                compatible_from integer NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """, logger: logger)
        var current = 0
        var compatibleFrom = 0
        let rows = try await connection.query(
            "SELECT version, compatible_from FROM postwatch_schema ORDER BY version DESC LIMIT 1", logger: logger)
        for try await (version, compatible) in rows.decode((Int, Int).self) {
            current = version
            compatibleFrom = compatible
        }
        let known = migrations.last?.version ?? 0
        if current > known {
            guard compatibleFrom <= known else {
                throw StoreError(
                    .open,
                    "the state database is at schema \(current), which needs a postwatch that knows schema \(compatibleFrom) or later; "
                        + "this postwatch knows schema \(known): upgrade it")
            }
            logger.notice(
                "the state database is at a newer schema, compatible with this postwatch",
                metadata: ["schema.database": "\(current)", "schema.known": "\(known)"])
            return
        }
        for migration in migrations where migration.version > current {
            for statement in migration.sql {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "INSERT INTO postwatch_schema (version, compatible_from) VALUES (\(migration.version), \(migration.compatibleFrom))",
                logger: logger)
            logger.info("migrated the state database", metadata: ["schema.version": "\(migration.version)"])
        }
    }

    /// Everything the SQLite store's migrations v1 to v11 made, at once. Times are
    /// `double precision` seconds since 1970; a post's JSON and other encoded values `bytea`.
    static let initialMigration = PostgresMigration(version: 1, compatibleFrom: 1, sql: [
        // The last state of every post in scope. `posts_state` covers what every cycle reads
        // of every post, so that read is an index-only scan, not a pass over each post's JSON.
        """
        CREATE TABLE posts (
            post_id text PRIMARY KEY, account_id text NOT NULL, platform text NOT NULL,
            content_type text NOT NULL, status text NOT NULL, scheduled_time double precision NOT NULL,
            posted_at double precision, created_at double precision NOT NULL, fingerprint bigint NOT NULL,
            json bytea NOT NULL, first_seen_at double precision NOT NULL, updated_at double precision NOT NULL)
        """,
        "CREATE INDEX posts_state ON posts (post_id) INCLUDE (status, fingerprint, account_id, platform, content_type)",
        // Posts absent from the last complete snapshot(s); apart, so that counting a miss never
        // rewrites a post row.
        "CREATE TABLE misses (post_id text PRIMARY KEY, count integer NOT NULL)",
        """
        CREATE TABLE overdue (
            post_id text NOT NULL, seconds integer NOT NULL, emitted_at double precision NOT NULL,
            PRIMARY KEY (post_id, seconds))
        """,
        // Ids are given by the commit (MAX(id) + 1 in its transaction), never by a sequence: a
        // rolled-back commit must not use one up (see `Store`).
        """
        CREATE TABLE cycles (
            id bigint PRIMARY KEY, started_at double precision NOT NULL, ended_at double precision NOT NULL,
            result text NOT NULL, error text, posts integer NOT NULL, events integer NOT NULL,
            notifications integer NOT NULL, listings integer NOT NULL, rows_written integer NOT NULL)
        """,
        "CREATE INDEX cycles_started_at ON cycles (started_at)",
        """
        CREATE TABLE events (
            id bigserial PRIMARY KEY, cycle_id bigint NOT NULL, kind text NOT NULL, from_status text NOT NULL,
            to_status text NOT NULL, overdue_seconds integer, post_id text NOT NULL,
            detected_at double precision NOT NULL, post bytea NOT NULL)
        """,
        "CREATE INDEX events_cycle ON events (cycle_id)",
        "CREATE INDEX events_post ON events (post_id)",
        "CREATE INDEX events_detected_at ON events (detected_at)",
        // A notification is queued once, whatever happens: the key is unique. `recipients`:
        // JSON of `[OutboxRecipient]`, NULL for a notification sent as a whole.
        """
        CREATE TABLE outbox (
            id bigserial PRIMARY KEY, idempotency_key text NOT NULL UNIQUE, channel text NOT NULL,
            rule text NOT NULL, payload bytea NOT NULL, state text NOT NULL, attempts integer NOT NULL,
            created_at double precision NOT NULL, next_attempt_at double precision NOT NULL, last_error text,
            delivered_at double precision, recipients text)
        """,
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
        "CREATE INDEX outbox_due_by_channel ON outbox (state, channel, next_attempt_at, id)",
        "CREATE INDEX outbox_delivered_at ON outbox (state, delivered_at)",
        """
        CREATE TABLE throttle (
            rule text NOT NULL, group_key text NOT NULL, state bytea NOT NULL, PRIMARY KEY (rule, group_key))
        """,
        """
        CREATE TABLE open_alerts (
            rule text NOT NULL, post_id text NOT NULL, channel text NOT NULL, opened_at double precision NOT NULL,
            PRIMARY KEY (rule, post_id, channel))
        """,
        "CREATE INDEX open_alerts_post ON open_alerts (post_id)",
        // Never deleted: an early expiry sets `expired_at` and moves `ends_at` to it.
        """
        CREATE TABLE silences (
            id bigserial PRIMARY KEY, matcher text NOT NULL, starts_at double precision NOT NULL,
            ends_at double precision NOT NULL, created_at double precision NOT NULL, author text NOT NULL,
            comment text NOT NULL, expired_at double precision, summary boolean NOT NULL DEFAULT false,
            summarized_at double precision)
        """,
        "CREATE INDEX silences_ends_at ON silences (ends_at)",
        """
        CREATE TABLE silenced_events (
            id bigserial PRIMARY KEY, cycle_id bigint NOT NULL, silence_id bigint NOT NULL, rule text NOT NULL,
            post_id text NOT NULL, account_id text NOT NULL, kind text NOT NULL, from_status text NOT NULL,
            to_status text NOT NULL, detected_at double precision NOT NULL, post bytea)
        """,
        "CREATE INDEX silenced_events_silence ON silenced_events (silence_id)",
        "CREATE INDEX silenced_events_detected_at ON silenced_events (detected_at)",
        // What became of each event for each rule it matched; a notification by its key.
        """
        CREATE TABLE history (
            id bigserial PRIMARY KEY, cycle_id bigint NOT NULL, recorded_at double precision NOT NULL,
            rule text NOT NULL, post_id text NOT NULL, kind text NOT NULL, from_status text NOT NULL,
            to_status text NOT NULL, overdue_seconds integer, detected_at double precision NOT NULL,
            event_cycle bigint, disposition text NOT NULL, channel text, idempotency_key text,
            until double precision, reference text)
        """,
        "CREATE INDEX history_recorded_at ON history (recorded_at)",
        "CREATE INDEX history_post ON history (post_id, id)",
        "CREATE INDEX history_rule ON history (rule, id)",
        "CREATE INDEX history_channel ON history (channel, id)",
        """
        CREATE TABLE delivery_attempts (
            id bigserial PRIMARY KEY, outbox_id bigint NOT NULL, number integer NOT NULL,
            started_at double precision NOT NULL, duration_ms bigint NOT NULL, outcome text NOT NULL,
            answer text, error text)
        """,
        "CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id, number)",
        "CREATE INDEX delivery_attempts_started_at ON delivery_attempts (started_at)",
        // `seq`: the order events were collected in (SQLite's rowid).
        """
        CREATE TABLE digest_events (
            seq bigserial NOT NULL, rule text NOT NULL, group_key text NOT NULL, identity text NOT NULL,
            detected_at double precision NOT NULL, event bytea NOT NULL, PRIMARY KEY (rule, group_key, identity))
        """,
        "CREATE TABLE digest_runs (rule text PRIMARY KEY, sent_at double precision NOT NULL)",
        """
        CREATE TABLE reminders (
            rule text NOT NULL, post_id text NOT NULL, state bytea NOT NULL, PRIMARY KEY (rule, post_id))
        """,
        // A first cycle's posts as they are listed (see `PostgresStore+Staging.swift`).
        // UNLOGGED: nothing of it needs to survive a crash of the server, and a million rows
        // staged are not written twice (WAL).
        """
        CREATE UNLOGGED TABLE staging_posts (
            post_id text PRIMARY KEY, account_id text NOT NULL, platform text NOT NULL,
            content_type text NOT NULL, status text NOT NULL, scheduled_time double precision NOT NULL,
            posted_at double precision, created_at double precision NOT NULL, fingerprint bigint NOT NULL,
            json bytea NOT NULL)
        """,
    ])
}
