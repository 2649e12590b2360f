import Foundation
import Logging
import Rules
import Timekeeping
import Watch

/// `/api/v1/silences` as `run` serves it, independent of the HTTP server (``APIServer``):
/// bearer authentication, routing, the JSON in and out.
///
/// - `GET /api/v1/silences` (`?all=true`: expired ones too) → 200, an array of ``SilenceDocument``
/// - `POST /api/v1/silences` `{"matcher", "duration" | "endsAt", "startsAt"?, "comment", "author"?, "summary"?}` → 201
/// - `GET /api/v1/silences/{id}` → 200 (with `silencedEvents`), 404
/// - `DELETE /api/v1/silences/{id}` → 200, the silence as expired, 404
///
/// - `GET /api/v1/history` (`?post=…&rule=…&channel=…&since=24h&limit=100`) → 200, the
///   document of `postwatch history --output json` (docs/history.md); a bad filter → 400
///
/// Every answer but a success is `{"error": {"code", "message", "field"?, "line"?, "column"?}}`.
public struct SilenceAPI: Sendable {
    /// One request as the HTTP layer hands it over.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        /// The `Authorization` header, if any.
        public var authorization: String?
        public var body: Data

        public init(method: String, path: String, query: [String: String] = [:], authorization: String?, body: Data = Data()) {
            self.method = method
            self.path = path
            self.query = query
            self.authorization = authorization
            self.body = body
        }
    }

    /// What to answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: Data
    }

    let admin: SilenceAdmin
    let token: APIToken
    /// Who muted what, and who ended it: a silence hides notifications, so the daemon's log says.
    let logger: Logger

    public init(admin: SilenceAdmin, token: APIToken, logger: Logger = Logger(label: "postwatch.api")) {
        self.admin = admin
        self.token = token
        self.logger = logger
    }

    static let prefix = "/api/v1/silences"
    static let historyPath = "/api/v1/history"
    /// A silence is a few hundred bytes; more is not a silence.
    public static let maxBody = 64 * 1024

    public func respond(to request: Request) async -> Response {
        // Before anything else, so an unauthenticated caller learns nothing (not even which paths exist).
        guard token.accepts(authorization: request.authorization) else { return Self.unauthorized }
        var path = request.path
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if path == Self.historyPath {
            guard request.method == "GET" else {
                return Self.error(405, "method_not_allowed", "the history is read only: use GET", headers: [("Allow", "GET")])
            }
            return await history(request.query)
        }
        if path == Self.prefix {
            switch request.method {
            case "GET": return await list(all: request.query["all"] == "true")
            case "POST": return await add(request.body)
            default: return Self.error(405, "method_not_allowed", "use GET or POST on \(Self.prefix)", headers: [("Allow", "GET, POST")])
            }
        }
        guard path.hasPrefix(Self.prefix + "/") else {
            return Self.error(404, "not_found", "no such endpoint: \(path.prefix(100)) (see \(Self.prefix))")
        }
        let tail = path.dropFirst(Self.prefix.count + 1)
        guard let id = Int64(tail), id > 0 else {
            return Self.error(404, "not_found", "'\(tail.prefix(40))' is not a silence ID (a number, see GET \(Self.prefix))")
        }
        switch request.method {
        case "GET": return await answer(200) { () throws(SilenceAdmin.Failure) in try await admin.show(id: id) }
        case "DELETE":
            return await answer(200) { () throws(SilenceAdmin.Failure) in
                let (silence, ended) = try await admin.expire(id: id)
                if ended { logger.notice("silence expired over the API", metadata: ["silence.id": "\(id)"]) }
                return SilenceDocument(silence, now: admin.clock.now)
            }
        default: return Self.error(405, "method_not_allowed", "use GET or DELETE on a silence", headers: [("Allow", "GET, DELETE")])
        }
    }

    /// 401, the same for a missing and a wrong token.
    static let unauthorized = error(
        401, "unauthorized", "a bearer token is required (Authorization: Bearer …, see --api-token-file)",
        headers: [("WWW-Authenticate", #"Bearer realm="postwatch""#)])

    /// True when the request carries the token (the server asks before reading a body).
    func authorizes(_ authorization: String?) -> Bool { token.accepts(authorization: authorization) }

    /// The history for the query's filters, as `postwatch history --output json` prints it.
    private func history(_ query: [String: String]) async -> Response {
        do {
            let json = try await History(store: admin.store, clock: admin.clock).json(parameters: query)
            return Response(status: 200, headers: [(name: "Content-Type", value: "application/json")], body: Data(json.utf8))
        } catch {
            return error.code == History.unreadable
                ? Self.error(500, "store_unreadable", error.message) : Self.error(400, "bad_request", error.message)
        }
    }

    private func list(all: Bool) async -> Response {
        await answer(200) { () throws(SilenceAdmin.Failure) in admin.documents(try await admin.silences(all: all)) }
    }

    private func add(_ body: Data) async -> Response {
        let request: SilenceRequest
        do {
            request = try Self.request(from: body)
        } catch {
            return Self.failure(.invalid(error))
        }
        var silenceId: Int64?
        var response = await answer(201) { () throws(SilenceAdmin.Failure) in
            let silence = try await admin.add(request)
            silenceId = silence.id
            logger.notice("silence added over the API", metadata: [
                "silence.id": "\(silence.id)", "silence.matcher": "\(silence.matcher)", "silence.author": "\(silence.author)",
                "silence.ends_at": "\(silence.endsAt.formatted(.iso8601))",
            ])
            return SilenceDocument(silence, now: admin.clock.now)
        }
        if let silenceId { response.headers.append((name: "Location", value: "\(Self.prefix)/\(silenceId)")) }
        return response
    }

    private func answer<T: Encodable>(_ status: Int, _ body: () async throws(SilenceAdmin.Failure) -> T) async -> Response {
        do {
            return Self.json(status, try await body())
        } catch {
            return Self.failure(error)
        }
    }

    static let fields = ["matcher", "duration", "endsAt", "startsAt", "comment", "author", "summary"]

    /// The request body as a ``SilenceRequest``: strict JSON (a syntax error says its line and
    /// column), an object of known fields (an unknown one is refused with a suggestion: a typo'd
    /// `endAt` must not silently become "no end").
    static func request(from body: Data) throws(SilenceRequestError) -> SilenceRequest {
        guard body.count <= maxBody else { throw SilenceRequestError(field: "body", message: "the body is larger than \(maxBody) bytes") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(String(decoding: body, as: UTF8.self))
        } catch {
            throw SilenceRequestError(field: "body", message: "the body is not JSON: \(error)", line: error.line, column: error.column)
        }
        guard case .object(let members) = value else {
            throw SilenceRequestError(field: "body", message: #"the body must be a JSON object such as {"matcher": …, "duration": "2h", "comment": …}"#)
        }
        var strings: [String: String] = [:]
        var summary = false
        for (key, value) in members {
            guard fields.contains(key) else {
                let hint = Suggestion.closest(to: key, in: fields).map { "; did you mean '\($0)'?" } ?? " (fields: \(fields.joined(separator: ", ")))"
                throw SilenceRequestError(field: key, message: "unknown field '\(key)'\(hint)")
            }
            if key == "summary" {
                guard case .bool(let flag) = value else { throw SilenceRequestError(field: key, message: "'summary' must be true or false") }
                summary = flag
                continue
            }
            guard case .string(let text) = value else {
                throw SilenceRequestError(field: key, message: "'\(key)' must be a string")
            }
            strings[key] = text
        }
        guard let matcher = strings["matcher"] else {
            throw SilenceRequestError(field: "matcher", message: #"'matcher' is required, e.g. "accountId = \"acc_1\"""#)
        }
        func time(_ field: String) throws(SilenceRequestError) -> Date? {
            guard let text = strings[field] else { return nil }
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw SilenceRequestError(field: field, message: "'\(field)' is not an ISO 8601 time like 2026-12-24T18:00:00Z")
            }
            return date
        }
        var duration: Duration?
        if let text = strings["duration"] {
            guard let parsed = Duration(parsing: text) else {
                throw SilenceRequestError(field: "duration", message: "'duration' is not a duration like 30m, 2h or 1d")
            }
            duration = parsed
        }
        return SilenceRequest(
            matcher: matcher, startsAt: try time("startsAt"), duration: duration, endsAt: try time("endsAt"),
            comment: strings["comment"] ?? "", author: strings["author"] ?? "api", summary: summary)
    }

    static func failure(_ failure: SilenceAdmin.Failure) -> Response {
        switch failure {
        case .invalid(let error):
            var detail: [String: ErrorBody.Value] = ["code": .text("invalid_request"), "message": .text(error.message), "field": .text(error.field)]
            if let line = error.line, let column = error.column {
                detail["line"] = .number(line)
                detail["column"] = .number(column)
            }
            return json(400, ErrorBody(error: detail))
        case .notFound: return Self.error(404, "not_found", failure.message)
        case .store: return Self.error(500, "store", failure.message)
        }
    }

    static func error(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) -> Response {
        var response = json(status, ErrorBody(error: ["code": .text(code), "message": .text(message)]))
        response.headers += headers.map { (name: $0.0, value: $0.1) }
        return response
    }

    static func json<T: Encodable>(_ status: Int, _ value: T) -> Response {
        Response(
            status: status, headers: [(name: "Content-Type", value: "application/json")],
            body: Data((SilenceDocument.json(value) + "\n").utf8))
    }

    /// `{"error": {…}}`: a code a script can branch on, a message a person can read.
    struct ErrorBody: Encodable {
        enum Value: Encodable {
            case text(String)
            case number(Int)
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .text(let text): try container.encode(text)
                case .number(let number): try container.encode(number)
                }
            }
        }
        var error: [String: Value]
    }
}
