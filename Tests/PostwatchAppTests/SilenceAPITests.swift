import Foundation
import Logging
import PostwatchApp
import ServiceLifecycle
import Synchronization
import Testing
import Timekeeping
import Watch

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `/api/v1/silences` through the real HTTP server `run` starts (`APIServer`), with real
/// requests: authentication first, then the silences, in and out as JSON.
@Suite struct SilenceAPITests {
    static let token = "test-token-0123456789abcdef"
    let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))

    /// Runs the server on a free loopback port over a fresh state file, for the body's length.
    func withServer(_ body: (_ send: Sender) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("silence-api-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        var logger = Logger(label: "test")
        logger.logLevel = .warning  // not a line per server start in the test output
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let server = APIServer(
            configuration: .init(
                address: try APIServer.Configuration.address(parsing: "127.0.0.1:0"), token: try APIToken(token: Self.token)),
            admin: SilenceAdmin(store: store, clock: clock), logger: logger,
            onRunning: { port.yield($0) })
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            try await body(Sender(port: port))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    struct Sender {
        let port: Int
        struct Answer {
            var status: Int
            var headers: [AnyHashable: Any]
            var json: Any
            var text: String
        }

        func callAsFunction(
            _ method: String, _ path: String, token: String? = SilenceAPITests.token, body: String? = nil
        ) async throws -> Answer {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            return Answer(
                status: http.statusCode, headers: http.allHeaderFields,
                json: (try? JSONSerialization.jsonObject(with: data)) ?? NSNull(), text: String(decoding: data, as: UTF8.self))
        }
    }

    static let silence = #"{"matcher": "accountId = \"acc_1\" and platform = tiktok", "duration": "2h", "comment": "TikTok outage", "author": "bot"}"#

    @Test func withoutTheTokenEveryRequestIs401() async throws {
        try await withServer { send in
            for (method, path) in [("GET", "/api/v1/silences"), ("POST", "/api/v1/silences"), ("DELETE", "/api/v1/silences/1"), ("GET", "/nothing")] {
                for token in [nil, "wrong-token-0123456789abcdef", Self.token + "x", String(Self.token.dropLast())] {
                    let answer = try await send(method, path, token: token, body: method == "POST" ? Self.silence : nil)
                    #expect(answer.status == 401, "\(method) \(path) with \(token ?? "no token")")
                    let challenge = answer.headers.first { ($0.key as? String)?.lowercased() == "www-authenticate" }?.value as? String
                    #expect(challenge?.hasPrefix("Bearer") == true)
                    #expect(!answer.text.contains(Self.token))
                }
            }
            // A body too large is refused as unauthorized too, before it is read.
            let large = try await send("POST", "/api/v1/silences", token: nil, body: String(repeating: " ", count: 100_000))
            #expect(large.status == 401)
            let allowed = try await send("POST", "/api/v1/silences", body: String(repeating: " ", count: 100_000))
            #expect(allowed.status == 413, "\(allowed.text)")
            // Nothing was added by the refused POSTs.
            #expect((try await send("GET", "/api/v1/silences?all=true").json as? [Any])?.isEmpty == true)
        }
    }

    @Test func addListShowAndExpireASilence() async throws {
        try await withServer { send in
            let added = try await send("POST", "/api/v1/silences", body: Self.silence)
            #expect(added.status == 201, "\(added.text)")
            let location = added.headers.first { ($0.key as? String)?.lowercased() == "location" }?.value as? String
            #expect(location == "/api/v1/silences/1")
            let document = try #require(added.json as? [String: Any])
            #expect(document["id"] as? Int == 1 && document["state"] as? String == "active" && document["author"] as? String == "bot")
            #expect(document["endsAt"] as? String == "2027-01-15T10:00:00Z" && document["startsAt"] as? String == "2027-01-15T08:00:00Z")

            let list = try await send("GET", "/api/v1/silences")
            #expect((list.json as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            let shown = try #require(try await send("GET", "/api/v1/silences/1").json as? [String: Any])
            #expect(shown["silencedEvents"] as? Int == 0 && shown["comment"] as? String == "TikTok outage")

            let expired = try await send("DELETE", "/api/v1/silences/1")
            #expect(expired.status == 200 && (expired.json as? [String: Any])?["state"] as? String == "expired")
            #expect((try await send("GET", "/api/v1/silences").json as? [Any])?.isEmpty == true)
            #expect((try await send("GET", "/api/v1/silences?all=true").json as? [Any])?.count == 1)

            for method in ["GET", "DELETE"] {
                let missing = try await send(method, "/api/v1/silences/99")
                #expect(missing.status == 404 && missing.text.contains("no silence with ID 99"), "\(missing.text)")
            }
            #expect(try await send("PUT", "/api/v1/silences").status == 405)
        }
    }

    /// `GET /api/v1/history`: the same token; the document `history --output json` prints; a bad
    /// filter is 400 naming it as the URL spells it; the history is read only.
    @Test func theHistoryIsServedReadOnlyWithTheSameToken() async throws {
        try await withServer { send in
            #expect(try await send("GET", "/api/v1/history", token: nil).status == 401)
            let empty = try await send("GET", "/api/v1/history?rule=Failed&since=24h")
            #expect(empty.status == 200, "\(empty.text)")
            let document = try #require(empty.json as? [String: Any])
            #expect(document["version"] as? Int == 1 && (document["entries"] as? [Any])?.isEmpty == true, "\(empty.text)")
            let bad = try await send("GET", "/api/v1/history?since=soon")
            #expect(bad.status == 400 && bad.text.contains("since"), "\(bad.text)")
            let unknown = try await send("GET", "/api/v1/history?post_id=p1")
            #expect(unknown.status == 400 && unknown.text.contains("post_id"), "\(unknown.text)")
            #expect(try await send("POST", "/api/v1/history", body: "{}").status == 405)
        }
    }

    /// 400 with a JSON body saying what is wrong and where: the condition's line and column,
    /// the JSON's, the field a typo names.
    @Test func badRequestsAre400SayingWhatAndWhere() async throws {
        try await withServer { send in
            let matcher = try await send("POST", "/api/v1/silences", body: #"{"matcher": "acountId = \"acc_1\"", "duration": "2h", "comment": "x"}"#)
            #expect(matcher.status == 400)
            let error = try #require((matcher.json as? [String: Any])?["error"] as? [String: Any])
            #expect(error["field"] as? String == "matcher" && error["line"] as? Int == 1 && error["column"] as? Int == 1)
            #expect((error["message"] as? String)?.contains("did you mean 'accountId'") == true, "\(matcher.text)")

            let json = try await send("POST", "/api/v1/silences", body: "{\"matcher\": \"x\",\n \"duration\" 2h}")
            let syntax = try #require((json.json as? [String: Any])?["error"] as? [String: Any])
            #expect(json.status == 400 && syntax["field"] as? String == "body" && syntax["line"] as? Int == 2, "\(json.text)")

            let typo = try await send("POST", "/api/v1/silences", body: #"{"matcher": "platform = tiktok", "endAt": "2027-01-15T10:00:00Z", "comment": "x"}"#)
            #expect(typo.status == 400 && typo.text.contains("did you mean 'endsAt'"), "\(typo.text)")

            let long = try await send("POST", "/api/v1/silences", body: #"{"matcher": "platform = tiktok", "duration": "90d", "comment": "x"}"#)
            #expect(long.status == 400 && long.text.contains("at most 31d"), "\(long.text)")
            #expect((try await send("GET", "/api/v1/silences?all=true").json as? [Any])?.isEmpty == true)
        }
    }

    /// No token file, no API; given one, the API listens on loopback unless told otherwise.
    @Test func theAPIIsServedOnlyWithATokenFileAndOnLoopbackByDefault() throws {
        #expect(try Settings.DaemonTexts(interval: nil, metricsAddress: nil, environment: [:]).api() == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.token.utf8), attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let api = try #require(try Settings.DaemonTexts(interval: nil, metricsAddress: nil, environment: ["POSTWATCH_API_TOKEN_FILE": path]).api())
        #expect(api.address.host == "127.0.0.1" && api.address.port == 9465)
        let named = try Settings.DaemonTexts(
            interval: nil, metricsAddress: nil, apiAddress: "0.0.0.0:8080", apiTokenFile: path, environment: [:]).api()
        #expect(named?.address.host == "0.0.0.0" && named?.address.port == 8080)
        #expect(throws: CommandError.self) {
            try Settings.DaemonTexts(interval: nil, metricsAddress: nil, apiAddress: "loopback", apiTokenFile: path, environment: [:]).api()
        }
    }

    @Test func theTokenFileMustHoldALongTokenOnlyItsOwnerReads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func file(_ text: String, mode: Int) throws -> String {
            let path = folder.appendingPathComponent(UUID().uuidString).path
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
            return path
        }
        func refusal(_ path: String) -> String? {
            do {
                _ = try APIToken(file: path)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(refusal(try file(Self.token + "\n", mode: 0o600)) == nil)
        #expect(refusal(try file("\n", mode: 0o600))?.contains("is empty") == true)
        #expect(refusal(try file("short", mode: 0o600))?.contains("at least 16") == true)
        #expect(refusal(try file(Self.token, mode: 0o644))?.contains("readable by every user") == true)
        #expect(refusal(folder.appendingPathComponent("missing").path)?.contains("cannot read") == true)
        let token = try APIToken(token: Self.token)
        #expect(token.accepts(authorization: "Bearer \(Self.token)") && token.accepts(authorization: "bearer \(Self.token)"))
        #expect(!token.accepts(authorization: Self.token) && !token.accepts(authorization: "Basic \(Self.token)"))
    }
}

/// A clock that stays where it is set.
final class FixedClock: WallClock {
    private let time: Mutex<Date>
    init(_ time: Date) { self.time = Mutex(time) }
    var now: Date { time.withLock { $0 } }
    var elapsed: Duration { .zero }
    func sleep(for duration: Duration) async throws {}
}
