import Foundation
import TestSupport

extension HABench {
    /// The unchanged cycle at `posts` (baseline, then the median of 5 unchanged) and the first
    /// cycle at `large`, on SQLite and on PostgreSQL, each in a fresh `watch-cycle` process
    /// against one `watch-sandbox` process (as `postwatch-bench watch` measures SQLite).
    ///
    /// On PostgreSQL the poller's process is half the cost: the server's CPU (the postmaster's
    /// and its backends', from /proc) is given apart, and the rows written twice, as the
    /// commit counts them and as PostgreSQL's statistics do (`pg_stat_user_tables`).
    func cycles(postgres: PostgresServer, folder: URL) async throws {
        guard posts > 0 || large > 0 else { return }
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        print("| store | cycle | posts | wall s | poller CPU s | server CPU s | peak RSS MB | rows written (commit) | rows written (server) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (count, unchanged) in [(posts, 5), (large, 0)] where count > 0 {
            let sandbox = try BenchChild(binary, ["watch-sandbox", "--posts", String(count)])
            let port = try sandbox.readLine().replacingOccurrences(of: "port ", with: "")
            let api = ["--api-url", "http://127.0.0.1:\(port)", "--api-key", "bench-key"]
            for store in ["SQLite", "PostgreSQL"] {
                let database = store == "PostgreSQL" ? try await postgres.createDatabase() : nil
                let state = database.map { postgres.url(database: $0) } ?? folder.appendingPathComponent("cycles-\(count).sqlite").path
                func cycle() async throws -> [String: Double] {
                    let server = try ServerUsage(postgres)
                    var rowsBefore: Int?
                    if let database { rowsBefore = try await serverRows(postgres, database: database) }
                    var figures = try BenchChild.figures(binary, ["watch-cycle"] + api + ["--state", state])
                    if database != nil { figures["serverCPU"] = try server.cpuSince() }
                    if let database, let rowsBefore {
                        // Statistics reach the server's counters when the backend ends (the
                        // child exited) and the collector flushes them: a moment later.
                        try await Task.sleep(for: .milliseconds(700))
                        figures["serverRows"] = Double(try await serverRows(postgres, database: database) - rowsBefore)
                    }
                    return figures
                }
                row(store, "first (\(count))", try await cycle())
                guard unchanged > 0 else { continue }
                var runs: [[String: Double]] = []
                for _ in 0..<unchanged { runs.append(try await cycle()) }
                runs.sort { ($0["cpu"] ?? 0) < ($1["cpu"] ?? 0) }
                row(store, "unchanged (median of \(unchanged))", runs[runs.count / 2])
            }
            try sandbox.command("quit")
            sandbox.wait()
        }
        print("")
    }

    private func row(_ store: String, _ label: String, _ figures: [String: Double]) {
        func value(_ key: String, _ format: String) -> String { figures[key].map { String(format: format, $0) } ?? "—" }
        print("| \(store) | \(label) | \(value("posts", "%.0f")) | \(value("wall", "%.2f")) | \(value("cpu", "%.2f")) | \(value("serverCPU", "%.2f")) | \(value("maxrssMB", "%.0f")) | \(value("rows", "%.0f")) | \(value("serverRows", "%.0f")) |")
    }

    /// Rows inserted, updated and deleted in `database` so far, by PostgreSQL's statistics.
    private func serverRows(_ postgres: PostgresServer, database: String) async throws -> Int {
        Int(try await postgres.psql("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables", database: database)) ?? 0
    }
}

/// The CPU a PostgreSQL cluster used: its postmaster's own, its ended backends' (reaped, so in
/// the postmaster's `cutime`/`cstime`) and its live backends', from /proc.
struct ServerUsage {
    let postmaster: Int32
    let start: Double

    init(_ postgres: PostgresServer) throws {
        let pidFile = try String(contentsOfFile: postgres.dataDirectory + "/postmaster.pid", encoding: .utf8)
        guard let pid = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw FixtureError("no postmaster pid in \(postgres.dataDirectory)/postmaster.pid")
        }
        postmaster = pid
        start = Self.seconds(of: pid)
    }

    func cpuSince() throws -> Double { Self.seconds(of: postmaster) - start }

    static func seconds(of postmaster: Int32) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = fields(postmaster).map { $0[11] + $0[12] + $0[13] + $0[14] } ?? 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != postmaster, let stat = fields(pid), stat[1] == Double(postmaster) else { continue }
            total += stat[11] + stat[12]
        }
        return total / ticks
    }

    /// The numeric fields of /proc/PID/stat after the command name: [0] is the state (as 0),
    /// [1] the parent pid, [11] utime, [12] stime, [13] cutime, [14] cstime.
    private static func fields(_ pid: Int32) -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let values = text[text.index(after: close)...].split(separator: " ").map { Double($0) ?? 0 }
        return values.count > 14 ? values : nil
    }
}
