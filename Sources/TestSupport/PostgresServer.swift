import Foundation
import Synchronization

/// A private PostgreSQL 15 cluster for the test process (issue 17): Debian's `initdb` and
/// `pg_ctl`, a data directory and a unix socket under a temporary directory, a free TCP port on
/// 127.0.0.1, and every durability setting off (a test's data needs to outlive nothing).
///
/// ```swift
/// let server = PostgresServer.shared                  // one cluster for the whole process
/// let url = server.url(database: try await server.createDatabase())   // started, a fresh database
/// // postgres://postgres@127.0.0.1:PORT/pw_…?sslmode=disable
/// ```
/// Tests that stop, restart or configure a cluster start their own with ``start(_:)`` and
/// ``stop()`` it; nobody stops the shared one. Run as root (as CI runs), the cluster runs as the
/// `postgres` user through `runuser`, since PostgreSQL refuses to run as root. A cluster left by
/// a killed test run is stopped and removed by the next process that starts one; a cluster
/// still running when this process exits is told to stop at once (`atexit`).
///
/// Tests that need PostgreSQL are enabled when ``isAvailable``; with
/// `POSTWATCH_REQUIRE_POSTGRES=1` (``isRequired``, set by `make test` and CI) they run anyway,
/// so a missing PostgreSQL fails them instead of skipping them silently.
public final class PostgresServer: Sendable {
    /// Where Debian puts PostgreSQL 15's programs.
    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// PostgreSQL 15 is installed.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: binaries + "/initdb")
    }

    /// `POSTWATCH_REQUIRE_POSTGRES=1`: a test that needs PostgreSQL fails without it.
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["POSTWATCH_REQUIRE_POSTGRES"] == "1"
    }

    /// Whether tests that need PostgreSQL run: it is here, or it is required (and its absence
    /// is then their failure). For `.enabled(if: PostgresServer.shouldTest)`.
    public static var shouldTest: Bool { isAvailable || isRequired }

    /// How a cluster is set up.
    public struct Options: Sendable {
        /// A certificate and its key (PEM files) to serve TLS with (`ssl = on`); nil: no TLS.
        public var tls: (certificate: String, key: String)?
        /// A password for the `postgres` user, required over TCP (SCRAM); nil: no password
        /// (`trust`). The unix socket, which ``psql(_:database:)`` uses, trusts either way.
        public var password: String?
        /// More `postgresql.conf` settings, as `name = value` lines.
        public var settings: [String: String]

        public init(tls: (certificate: String, key: String)? = nil, password: String? = nil, settings: [String: String] = [:]) {
            self.tls = tls
            self.password = password
            self.settings = settings
        }
    }

    /// The superuser every URL connects as.
    public let user = "postgres"
    /// Always the loopback address.
    public let host = "127.0.0.1"
    public let port: Int
    /// The cluster's folder: `data/`, `socket/`, `server.log`.
    public let directory: String
    public var dataDirectory: String { directory + "/data" }
    public var socketDirectory: String { directory + "/socket" }
    public var logFile: String { directory + "/server.log" }

    private let options: Options
    /// The start, once: `initdb` then the server.
    private let starting = Mutex<Task<Void, any Error>?>(nil)

    /// A cluster not started yet: its folder and port are chosen, nothing runs until
    /// ``ready()`` (which every method here awaits first).
    public init(_ options: Options = Options()) {
        self.options = options
        self.directory = Self.parentDirectory + "/\(getpid())-\(UInt32.random(in: .min ... .max))"
        self.port = (try? Socket.freePort()) ?? Int.random(in: 20000...30000)
    }

    /// The cluster of this test process, started on first use and never stopped by a test.
    /// Its port is known at once (for a URL made before any `await`).
    public static let shared = PostgresServer()

    /// Starts a new cluster (a few seconds: `initdb`, then the server).
    public static func start(_ options: Options = Options()) async throws -> PostgresServer {
        let server = PostgresServer(options)
        try await server.ready()
        return server
    }

    /// Returns once the cluster accepts connections, starting it the first time.
    public func ready() async throws {
        let task = starting.withLock { task in
            if let task { return task }
            let start = Task { [self] in
                guard Self.isAvailable else {
                    throw TestSupportError(
                        "PostgreSQL 15 is not installed (\(Self.binaries)/initdb is missing): `apt-get install postgresql-15`")
                }
                await StaleClusters.removeOnce()
                try Self.makeDirectory(directory)
                try await initialise(options)
                try await startServer()
            }
            task = start
            return start
        }
        try await task.value
    }

    // MARK: Databases and connections

    /// Creates an empty database and returns its name (`pw_…`).
    public func createDatabase() async throws -> String {
        let name = Self.newDatabaseName()
        try await createDatabase(named: name)
        return name
    }

    /// Creates the database `name` (from ``newDatabaseName()``, chosen before any `await`).
    public func createDatabase(named name: String) async throws {
        try await psql("CREATE DATABASE \(name)")
    }

    /// A name no database of this process has: `pw_<n>_<random>`.
    public static func newDatabaseName() -> String {
        "pw_\(databaseCounter.add(1, ordering: .relaxed).newValue)_\(UInt32.random(in: .min ... .max))"
    }

    private static let databaseCounter = Atomic<Int>(0)

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE?sslmode=…`, as `--state` takes it.
    public func url(database: String, sslmode: String = "disable") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslmode)"
    }

    /// Runs SQL through `psql` on the unix socket, as the superuser; returns what it printed
    /// (unaligned, tuples only: one row a line, columns separated by `|`).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        try await ready()
        let result = try await Self.run(
            Self.binaries + "/psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", user, "-d", database,
             "-c", sql],
            in: directory)
        guard result.status == 0 else {
            throw TestSupportError("psql on \(database) failed (\(result.status)) for `\(sql)`: \(result.output)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Ends every connection whose `application_name` is `applicationName` (PostgresStore names
    /// its connections `postwatch <replica id>`), as an operator's `pg_terminate_backend`
    /// would; returns how many.
    @discardableResult
    public func terminateBackends(applicationName: String) async throws -> Int {
        let escaped = applicationName.replacingOccurrences(of: "'", with: "''")
        let output = try await psql(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(escaped)'")
        return Int(output) ?? 0
    }

    // MARK: Lifecycle

    /// Stops the server (fast: open transactions are rolled back, clients cut off) and starts it
    /// again on the same port, with the same data; returns once it accepts connections.
    public func restart() async throws {
        try await ready()
        try await pgCtl(["-m", "fast", "stop"])
        try await startServer()
    }

    /// Stops the server at once and deletes its files. Never call it on ``shared``.
    public func stop() async throws {
        try await ready()
        try await pgCtl(["-m", "immediate", "stop"])
        Self.running.withLock { $0[directory] = nil }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Internals

    private func initialise(_ options: Options) async throws {
        var arguments = ["-D", dataDirectory, "-U", user, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
        if let password = options.password {
            let file = directory + "/password"
            try Data(password.utf8).write(to: URL(fileURLWithPath: file))
            try Self.handToPostgres(file, mode: 0o600)
            arguments += ["--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + file]
        } else {
            arguments += ["--auth=trust"]
        }
        let result = try await Self.run(Self.binaries + "/initdb", arguments, asPostgres: true, in: directory)
        guard result.status == 0 else { throw TestSupportError("initdb failed (\(result.status)): \(result.output)") }

        var settings = [
            "listen_addresses": "'\(host)'", "port": "\(port)", "unix_socket_directories": "'\(socketDirectory)'",
            // Durability off: a test cluster's data is thrown away.
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "wal_level": "minimal", "max_wal_senders": "0",
            // Every test opens stores of its own, each with a small pool.
            "max_connections": "300", "shared_buffers": "128MB",
            "log_min_messages": "warning", "log_min_error_statement": "panic",
        ]
        if let tls = options.tls {
            // The key must belong to the server's user and be readable by it alone.
            for (source, name) in [(tls.certificate, "server.crt"), (tls.key, "server.key")] {
                let target = dataDirectory + "/" + name
                try FileManager.default.copyItem(atPath: source, toPath: target)
                try Self.handToPostgres(target, mode: 0o600)
            }
            settings["ssl"] = "on"
            settings["ssl_cert_file"] = "'server.crt'"
            settings["ssl_key_file"] = "'server.key'"
        }
        settings.merge(options.settings) { _, given in given }
        let lines = settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
        let conf = FileHandle(forWritingAtPath: dataDirectory + "/postgresql.conf")
        guard let conf else { throw TestSupportError("cannot write \(dataDirectory)/postgresql.conf") }
        conf.seekToEndOfFile()
        conf.write(Data(("\n# postwatch tests\n" + lines + "\n").utf8))
        try conf.close()
    }

    /// Starts the server and waits until it accepts connections. `pg_ctl start` is not waited
    /// for: the server it leaves running inherits the descriptor through which Foundation's
    /// `Process` learns that a child ended, so that `pg_ctl` never looks ended. `pg_isready`
    /// says when the server is up instead.
    private func startServer() async throws {
        // A restart appends to the log the stop's own FATAL lines ("terminating connection due
        // to administrator command"): only what this start writes says whether it failed.
        let logBefore = (try? Data(contentsOf: URL(fileURLWithPath: logFile)))?.count ?? 0
        let starter = Self.configured(
            Self.binaries + "/pg_ctl", ["-D", dataDirectory, "-l", logFile, "-W", "start"], asPostgres: true, in: directory)
        starter.standardOutput = FileHandle.nullDevice
        starter.standardError = FileHandle.nullDevice
        try starter.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let probe = try await Self.run(
                Self.binaries + "/pg_isready", ["-q", "-h", socketDirectory, "-p", "\(port)", "-U", user, "-d", "postgres"],
                in: directory)
            if probe.status == 0 { break }
            let log = String(decoding: ((try? Data(contentsOf: URL(fileURLWithPath: logFile))) ?? Data()).dropFirst(logBefore), as: UTF8.self)
            // The probe itself logs "the database system is starting up": not a failure.
            let failed = log.split(separator: "\n").contains { $0.contains("FATAL") && !$0.contains("is starting up") }
            if failed || ContinuousClock.now > deadline {
                throw TestSupportError("PostgreSQL did not start in \(directory):\n\(log.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // The postmaster's pid, for the exit handler.
        let pidFile = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        if let pid = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) {
            Self.running.withLock { $0[directory] = pid }
            _ = Self.registerExitHandler
        }
    }

    private func pgCtl(_ arguments: [String]) async throws {
        let result = try await Self.run(Self.binaries + "/pg_ctl", ["-D", dataDirectory] + arguments, asPostgres: true, in: directory)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            throw TestSupportError(
                "pg_ctl \(arguments.last ?? "") failed (\(result.status)): \(result.output)\n\(log.suffix(2000))")
        }
    }

    /// `$TMPDIR/postwatch-postgres/<pid>-<random>`, with `data` and `socket` inside, owned by
    /// `postgres` when running as root; the file `owner` says which process made it.
    private static func makeDirectory(_ directory: String) throws {
        let base = parentDirectory
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o755)
        try FileManager.default.createDirectory(atPath: directory + "/socket", withIntermediateDirectories: true)
        try Data("\(getpid())".utf8).write(to: URL(fileURLWithPath: directory + "/owner"))
        try handToPostgres(directory, mode: 0o755)
        try handToPostgres(directory + "/socket", mode: 0o755)
    }

    static var parentDirectory: String {
        (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp") + "/postwatch-postgres"
    }

    private static var isRoot: Bool { getuid() == 0 }

    private static func handToPostgres(_ path: String, mode: mode_t) throws {
        chmod(path, mode)
        guard isRoot else { return }
        guard let account = getpwnam("postgres") else { throw TestSupportError("there is no `postgres` user to run PostgreSQL as") }
        guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw TestSupportError("cannot hand \(path) to the postgres user: errno \(errno)")
        }
    }

    struct Output: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs a program to its end (as `postgres` when asked and running as root); stdout and
    /// stderr go to a file, never a pipe a server started by it could keep open.
    static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false, in directory: String) async throws
        -> Output
    {
        let process = configured(executable, arguments, asPostgres: asPostgres, in: directory)
        let outputFile = NSTemporaryDirectory() + "postwatch-pg-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try await process.exited()
        try handle.close()
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, output: output)
    }

    /// A process of `executable`, as `postgres` when asked and running as root, in `directory`,
    /// with no `PG…` variable of ours and no input.
    private static func configured(_ executable: String, _ arguments: [String], asPostgres: Bool, in directory: String) -> Process {
        let process = Process()
        if asPostgres && isRoot {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        // psql would read them; the cluster is reached only as given here.
        for name in ["PGPASSWORD", "PGSERVICE", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGOPTIONS"] {
            environment[name] = nil
        }
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        return process
    }

    // MARK: Clusters left running

    /// Clusters this process started, by folder: their postmaster's pid.
    private static let running = Mutex<[String: Int32]>([:])

    /// At exit, every cluster still running is told to shut down at once (SIGQUIT: the
    /// postmaster ends its backends and exits); its folder is removed by the next run.
    private static let registerExitHandler: Void = {
        atexit {
            for pid in PostgresServer.running.withLock({ Array($0.values) }) { kill(pid, SIGQUIT) }
        }
    }()

    /// Removes the clusters of test processes that are gone (killed before their exit handler
    /// ran), once per process.
    private enum StaleClusters {
        static let removal = Task { await removeAll() }

        static func removeOnce() async { await removal.value }

        static func removeAll() async {
            let base = PostgresServer.parentDirectory
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
            for folder in folders {
                let path = base + "/" + folder
                let owner = (try? String(contentsOfFile: path + "/owner", encoding: .utf8)).flatMap { Int32($0) }
                if let owner, owner == getpid() || kill(owner, 0) == 0 || errno != ESRCH { continue }
                if FileManager.default.fileExists(atPath: path + "/data/postmaster.pid") {
                    _ = try? await PostgresServer.run(
                        PostgresServer.binaries + "/pg_ctl", ["-D", path + "/data", "-m", "immediate", "stop"], asPostgres: true,
                        in: path)
                }
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }
}
