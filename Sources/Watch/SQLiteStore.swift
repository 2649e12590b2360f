import Foundation
import GRDB
import GRDBSQLite
import Infinipost

/// The ``Store`` in SQLite, through GRDB: one file in WAL mode for postwatch, any GRDB
/// `DatabaseWriter` (an in-memory `DatabaseQueue` in tests) behind the same code.
///
/// ```swift
/// let store = try SQLiteStore(path: "./postwatch.sqlite")
/// let state = try await store.loadState()
/// ```
/// Commits use `synchronous = FULL` on a file: once `commit` returns, the events and their
/// outbox entries survive a crash or a power cut, so a delivery can never be made from a commit
/// that is lost.
public final class SQLiteStore: Store {
    // GRDB's writers (`DatabasePool`, `DatabaseQueue`) are Sendable; the store is immutable
    // around one, as GRDB's demo `AppDatabase` is.
    let writer: any DatabaseWriter

    /// Where the database lives: the file's path, or `:memory:`.
    public var path: String { writer.path }

    /// A store on `writer`, migrated to the current schema first.
    ///
    /// ```swift
    /// let store = try SQLiteStore(writer: DatabaseQueue())   // in memory, for a test
    /// ```
    /// The writer's configuration is the caller's; ``init(path:readOnly:)`` is the one to use
    /// for a state file (WAL, `synchronous = FULL`, a busy timeout).
    public convenience init(writer: any DatabaseWriter) throws(StoreError) {
        do {
            try Self.prepare(writer)
        } catch {
            throw StoreError(.open, "cannot open the state store \(writer.path): \(Self.describe(error))")
        }
        self.init(opened: writer)
    }

    /// Opens (creating if needed) the store at `path` and migrates it; with `readOnly`, opens an
    /// existing store without writing anything (`postwatch outbox list` on a state file it may
    /// only read): no migration, no journal mode change, and every write fails.
    public convenience init(path: String, readOnly: Bool = false) throws(StoreError) {
        var configuration = Configuration()
        // Other processes (`postwatch outbox`, a second `check`) may hold the file briefly.
        configuration.busyMode = .timeout(10)
        if readOnly {
            configuration.readonly = true
            let queue: DatabaseQueue
            do {
                queue = try Self.openReadOnly(path: path, configuration: configuration)
                guard try queue.read({ try Self.migrator.hasCompletedMigrations($0) }) else {
                    throw StoreError(
                        .outdated, "the state file \(path) was written by an older postwatch: run `postwatch check` once to upgrade it")
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.open, "cannot open the state file \(path) to read it: \(Self.describe(error))")
            }
            self.init(opened: queue)
            return
        }
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.prepare(pool)
        } catch {
            throw StoreError(.open, "cannot open the state file \(path): \(Self.describe(error))")
        }
        self.init(opened: pool)
    }

    /// A writer already prepared (or opened read-only, to be left as it is).
    private init(opened writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Registers the store's SQL function and migrates the schema.
    private static func prepare(_ writer: any DatabaseWriter) throws {
        // Staging settles two copies of a post with this function. It is registered on the
        // writer's connection, which every staging write runs on, so that a writer configured
        // by someone else has it too.
        writer.writeWithoutTransaction { db in db.add(function: SQLiteStore.prefersFunction) }
        try migrator.migrate(writer)
    }

    /// A WAL database read by a user who may not write beside it cannot create its `-shm`
    /// file, and SQLite then refuses even to read (error 8). With no `-wal` content to miss, the
    /// file is opened as immutable instead (a URI: Debian's SQLite is built with USE_URI), which
    /// needs no `-shm`: what it shows is the whole state. A `-wal` with content is a poller
    /// writing right now; its `-shm` then exists and the first open works.
    private static func openReadOnly(path: String, configuration: Configuration) throws -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
            return queue
        } catch let error as DatabaseError where [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode) {
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            guard wal == 0 else { throw error }
            let uri = URL(fileURLWithPath: path).absoluteString + "?immutable=1"
            return try DatabaseQueue(path: uri, configuration: configuration)
        }
    }

    public func loadState() async throws -> StoredState {
        try await read { db in
            var state = StoredState()
            state.posts.reserveCapacity(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM posts") ?? 0)
            // Ids and statuses go straight from SQLite's buffers into `StoredPosts`: no String,
            // no Data per row (a million rows are read every cycle).
            let statement = try db.makeStatement(sql: "SELECT postId, status, fingerprint FROM posts")
            let raw = statement.sqliteStatement
            let rows = try Row.fetchCursor(statement)
            while try rows.next() != nil {
                func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
                    // Text first, then its length: SQLite's documented order.
                    let text = sqlite3_column_text(raw, column)
                    return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(raw, column)))
                }
                // postId is the primary key: no need to look for it before adding it.
                state.posts.append(idUTF8: bytes(0), statusUTF8: bytes(1), fingerprint: sqlite3_column_int64(raw, 2))
            }
            let misses = try Row.fetchCursor(db, sql: "SELECT postId, count FROM misses")
            while let row = try misses.next() {
                if let index = state.posts.index(of: row["postId"]) { state.posts.setMisses(row["count"], at: index) }
            }
            let markers = try Row.fetchCursor(db, sql: "SELECT postId, seconds FROM overdue")
            while let row = try markers.next() {
                state.overdueMarkers.insert(OverdueMarker(postId: row["postId"], seconds: row["seconds"]))
            }
            let decoder = JSONDecoder.infinipost()
            for row in try Row.fetchAll(db, sql: "SELECT rule, groupKey, state FROM throttle") {
                let data: Data = row["state"]
                state.throttle[ThrottleKey(rule: row["rule"], group: row["groupKey"])] =
                    try decoder.decode(ThrottleState.self, from: data)
            }
            // Neither reads the whole cycles table, which grows by a row a cycle: EXISTS stops at
            // the first complete cycle, MAX(id) reads the end of the rowid tree.
            state.hasBaseline = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM cycles WHERE result IN ('complete', 'baseline'))"
            ) ?? false
            state.cyclesRecorded = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM cycles") ?? 0
            for row in try Row.fetchAll(db, sql: Self.sweepAccountsSQL) {
                state.sweepAccounts.insert(row["accountId"])
                if row["undocumented"] as Bool { state.hasUndocumentedFilterValues = true }
            }
            return state
        }
    }

    /// Accounts holding a post the documented filters may not list: one missed last cycle, or
    /// one whose status, platform or content type is a value the API added after this build;
    /// with, per account, whether a platform or content type is one of those.
    private static let sweepAccountsSQL = """
        SELECT accountId, MAX(\(undocumentedFilterValue)) AS undocumented FROM posts
        WHERE postId IN (SELECT postId FROM misses)
           OR status NOT IN (\(sqlList(PostStatus.documented.map(\.rawValue))))
           OR \(undocumentedFilterValue)
        GROUP BY accountId
        """

    private static let undocumentedFilterValue = """
        (platform NOT IN (\(sqlList(Platform.documented.map(\.rawValue)))) \
        OR contentType NOT IN (\(sqlList(ContentType.documented.map(\.rawValue)))))
        """

    /// `'a', 'b'`: the documented values are fixed identifiers, never user input.
    static func sqlList(_ values: [String]) -> String {
        values.map { "'\($0)'" }.joined(separator: ", ")
    }

    public func storedPosts(ids: [String]) async throws -> [String: Post] {
        if ids.isEmpty { return [:] }
        return try await read { db in
            let decoder = JSONDecoder.infinipost()
            var posts: [String: Post] = [:]
            let statement = try db.cachedStatement(sql: "SELECT json FROM posts WHERE postId = ?")
            for postId in ids {
                if let data = try Data.fetchOne(statement, arguments: [postId]) {
                    posts[postId] = try decoder.decode(Post.self, from: data)
                }
            }
            return posts
        }
    }

    public func recordFailedCycle(_ record: CycleRecord) async throws {
        try await write { db in
            _ = try Self.insertCycle(record, rowsWritten: 0, in: db)
        }
    }

    public func cycles(limit: Int) async throws -> [CycleRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT id, startedAt, endedAt, result, error, posts, events, notifications, listings
                    FROM cycles ORDER BY id DESC LIMIT ?
                    """, arguments: [limit]
            ).map { row in
                CycleRecord(
                    id: row["id"], startedAt: Date(timeIntervalSince1970: row["startedAt"]),
                    endedAt: Date(timeIntervalSince1970: row["endedAt"]),
                    result: CycleRecord.Result(rawValue: row["result"]) ?? .failed, error: row["error"],
                    posts: row["posts"], events: row["events"], notifications: row["notifications"],
                    listings: row["listings"])
            }
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            let decoder = JSONDecoder.infinipost()
            return try Row.fetchAll(
                db, sql: """
                    SELECT id, cycleId, kind, fromStatus, toStatus, overdueSeconds, detectedAt, post
                    FROM events WHERE id > ? ORDER BY id LIMIT ?
                    """, arguments: [after, limit]
            ).map { row in
                let data: Data = row["post"]
                let event = Event(
                    kind: Event.Kind(rawValue: row["kind"]) ?? .transition, from: row["fromStatus"],
                    to: row["toStatus"], overdueSeconds: row["overdueSeconds"],
                    post: try decoder.decode(Post.self, from: data),
                    detectedAt: Date(timeIntervalSince1970: row["detectedAt"]))
                return StoredEvent(id: row["id"], cycleId: row["cycleId"], event: event)
            }
        }
    }

    static func insertCycle(_ record: CycleRecord, rowsWritten: Int, in db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO cycles (startedAt, endedAt, result, error, posts, events, notifications,
                                    listings, rowsWritten)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.startedAt.timeIntervalSince1970, record.endedAt.timeIntervalSince1970,
                record.result.rawValue, record.error, record.posts, record.events,
                record.notifications, record.listings, rowsWritten,
            ])
        return db.lastInsertedRowID
    }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw StoreError(.database, Self.describe(error))
        }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw StoreError(.database, Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return String(describing: error)
    }
}
