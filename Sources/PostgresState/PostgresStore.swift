import Foundation
import Infinipost
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import Watch

/// The shared store on PostgreSQL (issue 17): the same ``Watch/Store`` as `SQLiteStore`, for
/// several replicas at once.
///
/// ```swift
/// let store = try await PostgresStore.open(configuration: configuration, replicaId: "web-1")
/// let state = try await store.loadState()
/// ```
/// The store owns a pool of connections (postgres-nio's `PostgresClient`), started on first use
/// and closed by ``close()`` or when the store goes away. Before its first query the store
/// migrates the schema (see `PostgresStore+Schema.swift`): ``open(configuration:replicaId:logger:)``
/// does it at once, so that a database that cannot be reached or is too new fails the start.
///
/// Times are stored as `double precision` seconds since 1970, as the SQLite store keeps them;
/// decisions between replicas (leases, claims, send slots) read the database's clock,
/// `extract(epoch FROM clock_timestamp())`, never a replica's.
public final class PostgresStore: Store {
    public let configuration: PostgresConfiguration
    /// Who this process is among the replicas; its connections say `postwatch <replicaId>`.
    public let replicaId: String
    let client: PostgresClient
    /// The migration's own connection (see ``prepare()``).
    private let migrationConnection: PostgresConnection.Configuration
    let logger: Logger
    /// The lease this instance was granted, if any (`PostgresStore+Lease.swift`): its epoch is
    /// the fence of the state it reads and of the writes of the poll path.
    let heldLease = Mutex<Lease?>(nil)
    private let setUp: (@Sendable () async throws -> Void)?
    /// Posts a chunk of `loadState` reads: the server packs them into one value, so that a
    /// million posts are a hundred rows to the client, not a million.
    let postChunk: Int
    /// The pool's run task, and the schema's preparation once started.
    private let lifecycle = Mutex<Lifecycle>(Lifecycle())

    private struct Lifecycle {
        var running: Task<Void, Never>?
        var prepared: Task<Void, any Error>?
        var closed = false
    }

    /// A store on the database `configuration` names; nothing is connected until it is used.
    /// Throws only for a configuration that cannot be used (a CA file that does not read).
    public convenience init(
        configuration: PostgresConfiguration, replicaId: String,
        logger: Logger = Logger(label: "postwatch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(PostgresConfigurationError) {
        try self.init(configuration: configuration, replicaId: replicaId, logger: logger, setUp: nil)
    }

    /// With `setUp`, run before the migration until it succeeds once: a test creates its
    /// database there, so that a store can be made where no `await` is possible. `postChunk`:
    /// the posts `loadState` reads a chunk at a time (a test reads several with few posts).
    init(
        configuration: PostgresConfiguration, replicaId: String, logger: Logger,
        setUp: (@Sendable () async throws -> Void)?, postChunk: Int = 10_000
    ) throws(PostgresConfigurationError) {
        self.configuration = configuration
        self.postChunk = max(1, postChunk)
        self.replicaId = replicaId
        self.logger = logger
        self.setUp = setUp
        let applicationName = Self.applicationName(replicaId)
        self.client = PostgresClient(configuration: try configuration.clientConfiguration(applicationName: applicationName))
        self.migrationConnection = try configuration.connectionConfiguration(applicationName: applicationName)
    }

    /// A store connected and migrated: the errors of an unreachable or incompatible database
    /// come from here rather than from the first cycle.
    public static func open(
        configuration: PostgresConfiguration, replicaId: String,
        logger: Logger = Logger(label: "postwatch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresStore {
        let store = try PostgresStore(configuration: configuration, replicaId: replicaId, logger: logger)
        try await store.prepare()
        return store
    }

    /// `postwatch <replicaId>`: what `pg_stat_activity.application_name` shows for this
    /// replica's connections (PostgreSQL keeps 63 bytes of it).
    public static func applicationName(_ replicaId: String) -> String {
        "postwatch \(replicaId)"
    }

    deinit {
        lifecycle.withLock { $0.running?.cancel() }
    }

    /// Closes the pool; the store cannot be used after it.
    public func close() async {
        let running = lifecycle.withLock { state in
            state.closed = true
            return state.running
        }
        running?.cancel()
        await running?.value
    }

    /// Starts the pool (once) and migrates the schema (once it has worked: a database down at
    /// the first try is tried again by the next call). The migration runs on a connection of its
    /// own, so that a database that cannot be reached, refuses the password or the certificate
    /// says so at once, in its own words.
    public func prepare() async throws {
        let preparation = try lifecycle.withLock { state throws(StoreError) -> Task<Void, any Error> in
            guard !state.closed else { throw StoreError(.database, "the state store on \(configuration) is closed") }
            if let prepared = state.prepared { return prepared }
            if state.running == nil {
                state.running = Task { [client] in await client.run() }
            }
            let task = Task { [migrationConnection, logger, setUp] in
                try await setUp?()
                try await Self.migrate(migrationConnection, logger: logger)
            }
            state.prepared = task
            return task
        }
        do {
            try await preparation.value
        } catch {
            lifecycle.withLock { state in if state.prepared == preparation { state.prepared = nil } }
            if let error = error as? StoreError { throw StoreError(error.code, "\(configuration): \(error.message)") }
            throw StoreError(.open, "cannot open the state store \(configuration): \(Self.describe(error))")
        }
    }

    // MARK: Store: state and cycles

    public func loadState() async throws -> StoredState {
        try await snapshot { connection in
            var state = StoredState()
            // The planner's estimate is enough to size the table; counting would read it twice.
            let estimate = try await connection.query(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'posts'::regclass", logger: logger)
            for try await rows in estimate.decode(Int64.self) { state.posts.reserveCapacity(Int(rows)) }
            try await readPosts(into: &state.posts, on: connection)
            let misses = try await connection.query("SELECT post_id, count FROM misses", logger: logger)
            for try await (postId, count) in misses.decode((String, Int).self) {
                if let index = state.posts.index(of: postId) { state.posts.setMisses(count, at: index) }
            }
            let markers = try await connection.query("SELECT post_id, seconds FROM overdue", logger: logger)
            for try await (postId, seconds) in markers.decode((String, Int).self) {
                state.overdueMarkers.insert(OverdueMarker(postId: postId, seconds: seconds))
            }
            let decoder = JSONDecoder.infinipost()
            let throttle = try await connection.query("SELECT rule, group_key, state FROM throttle", logger: logger)
            for try await (rule, group, data) in throttle.decode((String, String, Data).self) {
                state.throttle[ThrottleKey(rule: rule, group: group)] = try Self.decode(ThrottleState.self, from: data, with: decoder)
            }
            // Neither reads the whole cycles table: EXISTS stops at the first complete cycle,
            // MAX(id) reads the end of the primary key.
            let cycles = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM cycles WHERE result IN ('complete', 'baseline')),
                       COALESCE((SELECT MAX(id) FROM cycles), 0)
                """, logger: logger)
            for try await (baseline, recorded) in cycles.decode((Bool, Int).self) {
                state.hasBaseline = baseline
                state.cyclesRecorded = recorded
            }
            let sweep = try await connection.query(PostgresQuery(unsafeSQL: Self.sweepAccountsSQL), logger: logger)
            for try await (accountId, undocumented) in sweep.decode((String, Bool).self) {
                state.sweepAccounts.insert(accountId)
                if undocumented { state.hasUndocumentedFilterValues = true }
            }
            // The epoch of the lease held now: the commit of what is read here carries it.
            state.fence = heldLease.withLock { $0?.epoch }
            return state
        }
    }

    /// Every stored post's id, status and fingerprint, into `posts`, without a String per post
    /// (a million are read every cycle). Row by row, postgres-nio spends tens of microseconds a
    /// row; so the server packs each chunk of posts (by id, from where the last ended: an
    /// index-only scan of `posts_state`) into one `bytea` of length-prefixed UTF-8 ids and
    /// statuses and 8-byte fingerprints, read here in one loop over its bytes.
    private func readPosts(into posts: inout StoredPosts, on connection: PostgresConnection) async throws {
        var after: String?
        while true {
            let rows = try await connection.query(
                """
                SELECT string_agg(int4send(octet_length(textsend(post_id))) || textsend(post_id)
                                  || int4send(octet_length(textsend(status))) || textsend(status) || int8send(fingerprint),
                                  ''::bytea),
                       MAX(post_id), COUNT(*)
                FROM (SELECT post_id, status, fingerprint FROM posts
                      WHERE \(after)::text IS NULL OR post_id > \(after)
                      ORDER BY post_id LIMIT \(postChunk)) chunk
                """, logger: logger)
            var read = 0
            for try await row in rows {
                var cells = row.makeIterator()
                guard let packed = cells.next(), let last = cells.next(), let count = cells.next() else { break }
                read = try count.decode(Int.self)
                after = try last.decode(String?.self)
                guard let bytes = packed.bytes else { break }
                try Self.unpack(bytes, into: &posts)
            }
            if read < postChunk { return }
        }
    }

    /// Reads `[length][id][length][status][fingerprint]…` (big-endian lengths and fingerprints).
    private static func unpack(_ buffer: ByteBuffer, into posts: inout StoredPosts) throws {
        let intact = buffer.withUnsafeReadableBytes { bytes -> Bool in
            var offset = 0
            func length() -> Int? {
                guard offset + 4 <= bytes.count else { return nil }
                let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian
                offset += 4
                return Int(value)
            }
            while offset < bytes.count {
                guard let idLength = length(), offset + idLength <= bytes.count else { return false }
                let id = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + idLength])
                offset += idLength
                guard let statusLength = length(), offset + statusLength + 8 <= bytes.count else { return false }
                let status = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + statusLength])
                offset += statusLength
                let fingerprint = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                offset += 8
                // post_id is the primary key: no need to look for it before adding it.
                posts.append(idUTF8: id, statusUTF8: status, fingerprint: fingerprint)
            }
            return true
        }
        guard intact else { throw StoreError(.encoding, "the stored posts came back cut short") }
    }

    /// Accounts holding a post the documented filters may not list: one missed last cycle, or
    /// one whose status, platform or content type is a value the API added after this build;
    /// with, per account, whether a platform or content type is one of those. The covering
    /// index `posts_state` answers it without reading a post's JSON.
    private static let sweepAccountsSQL = """
        SELECT account_id, bool_or(\(undocumentedFilterValue)) FROM posts
        WHERE post_id IN (SELECT post_id FROM misses)
           OR status NOT IN (\(sqlList(PostStatus.documented.map(\.rawValue))))
           OR \(undocumentedFilterValue)
        GROUP BY account_id
        """

    private static let undocumentedFilterValue = """
        (platform NOT IN (\(sqlList(Platform.documented.map(\.rawValue)))) \
        OR content_type NOT IN (\(sqlList(ContentType.documented.map(\.rawValue)))))
        """

    /// `'a', 'b'`: the documented values are fixed identifiers, never user input.
    static func sqlList(_ values: [String]) -> String {
        values.map { "'\($0)'" }.joined(separator: ", ")
    }

    public func storedPosts(ids: [String]) async throws -> [String: Post] {
        if ids.isEmpty { return [:] }
        return try await withConnection { connection in
            let decoder = JSONDecoder.infinipost()
            var posts: [String: Post] = [:]
            let rows = try await connection.query("SELECT post_id, json FROM posts WHERE post_id = ANY(\(ids))", logger: logger)
            for try await (postId, json) in rows.decode((String, Data).self) {
                posts[postId] = try Self.decode(Post.self, from: json, with: decoder)
            }
            return posts
        }
    }

    public func recordFailedCycle(_ record: CycleRecord) async throws {
        try await transaction { connection in
            _ = try await insertCycle(record, rowsWritten: 0, on: connection)
            try await checkFence(nil, on: connection)
        }
    }

    public func cycles(limit: Int) async throws -> [CycleRecord] {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, started_at, ended_at, result, error, posts, events, notifications, listings
                FROM cycles ORDER BY id DESC LIMIT \(max(0, limit))
                """, logger: logger)
            var cycles: [CycleRecord] = []
            for try await row in rows {
                let (id, started, ended, result, error, posts, events, notifications, listings) = try row.decode(
                    (Int64, Double, Double, String, String?, Int, Int, Int, Int).self)
                cycles.append(CycleRecord(
                    id: id, startedAt: Date(timeIntervalSince1970: started), endedAt: Date(timeIntervalSince1970: ended),
                    result: CycleRecord.Result(rawValue: result) ?? .failed, error: error, posts: posts, events: events,
                    notifications: notifications, listings: listings))
            }
            return cycles
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await withConnection { connection in
            let decoder = JSONDecoder.infinipost()
            let rows = try await connection.query(
                """
                SELECT id, cycle_id, kind, from_status, to_status, overdue_seconds, detected_at, post
                FROM events WHERE id > \(after) ORDER BY id LIMIT \(max(0, limit))
                """, logger: logger)
            var events: [StoredEvent] = []
            for try await row in rows {
                let (id, cycleId, kind, from, to, overdue, detected, post) = try row.decode(
                    (Int64, Int64, String, String, String, Int?, Double, Data).self)
                let event = Event(
                    kind: Event.Kind(rawValue: kind) ?? .transition, from: from, to: to, overdueSeconds: overdue,
                    post: try Self.decode(Post.self, from: post, with: decoder), detectedAt: Date(timeIntervalSince1970: detected))
                events.append(StoredEvent(id: id, cycleId: cycleId, event: event))
            }
            return events
        }
    }

    /// Records a cycle with the next id, `MAX(id) + 1` in the caller's transaction: dense, and
    /// not used up by a commit that rolls back (a sequence would be).
    func insertCycle(_ record: CycleRecord, rowsWritten: Int, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            """
            INSERT INTO cycles (id, started_at, ended_at, result, error, posts, events, notifications, listings, rows_written)
            SELECT COALESCE(MAX(id), 0) + 1, \(record.startedAt.timeIntervalSince1970), \(record.endedAt.timeIntervalSince1970),
                   \(record.result.rawValue), \(record.error), \(record.posts), \(record.events), \(record.notifications),
                   \(record.listings), \(rowsWritten)
            FROM cycles
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw StoreError(.database, "the cycle record was not written")
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, with decoder: JSONDecoder) throws -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw StoreError(.encoding, "a stored \(T.self) does not decode: \(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T, with encoder: JSONEncoder) throws -> Data {
        do {
            return try encoder.encode(value)
        } catch {
            throw StoreError(.encoding, "cannot encode \(T.self): \(error)")
        }
    }

    // MARK: Connections and transactions

    /// Runs `body` on a connection of the pool, outside a transaction.
    @discardableResult
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await prepare()
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, Self.describe(error))
        }
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`; `ROLLBACK` when it throws).
    @discardableResult
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await prepare()
        do {
            return try await client.withConnection { connection in
                try await Self.transaction(on: connection, logger: logger, body)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, Self.describe(error))
        }
    }

    /// Runs `body` in a read-only transaction that sees one snapshot of the database
    /// (`REPEATABLE READ`): everything it reads is as of one moment, whatever commits meanwhile.
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    /// Runs a statement and returns the rows it inserted, updated or deleted (its command tag).
    @discardableResult
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        // The future's result carries the command tag; the async sequence does not.
        let result: PostgresQueryResult = try await connection.query(query, logger: logger).get()
        return result.metadata.rows ?? 0
    }

    /// `BEGIN`, `body`, `COMMIT`; `ROLLBACK` and the body's own error when it throws (not
    /// postgres-nio's transaction error around it, so a ``StoreError`` thrown inside stays one).
    nonisolated(nonsending) static func transaction<T: Sendable>(
        on connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(connection)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return value
    }

    /// What went wrong, in words: the server's message and SQLSTATE when it answered, the
    /// connection's failure otherwise. postgres-nio's own description hides both.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                var text = "PostgreSQL error \(server[.sqlState] ?? "?"): \(server[.message] ?? "no message")"
                if let detail = server[.detail] { text += " (\(detail))" }
                return text
            }
            var text = "PostgreSQL connection: \(error.code)"
            if let underlying = error.underlying { text += ": \(underlying)" }
            return text
        }
        if let error = error as? PostgresTransactionError,
           let cause = error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError {
            return describe(cause)
        }
        return String(describing: error)
    }

    /// The database's clock in seconds since 1970, as times are stored: every lease, claim and
    /// send slot is decided on it, never on a replica's clock (replicas drift apart).
    static let databaseNow = "extract(epoch FROM clock_timestamp())::double precision"
}
