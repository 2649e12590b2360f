import Foundation
import Infinipost

/// `GET /v1/posts` as API.md documents it, independent of any HTTP server.
extension Sandbox {
    /// One request as the HTTP layer hands it over.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Query parameters in order, percent-decoded.
        public var query: [(name: String, value: String)]
        /// The `Authorization` header, if any.
        public var authorization: String?

        public init(method: String = "GET", path: String, query: [(name: String, value: String)] = [], authorization: String?) {
            self.method = method
            self.path = path
            self.query = query
            self.authorization = authorization
        }
    }

    static let maxRequestLog = 100_000

    /// Answers one request: routing, faults, authentication, validation, then a page.
    public func respond(to request: Request) -> SandboxResponse {
        var parameters: [String: String] = [:]
        for item in request.query where parameters[item.name] == nil { parameters[item.name] = item.value }
        var response = state.withLock { state in
            let response = answer(request, parameters: parameters, state: &state)
            if state.requests.count >= Self.maxRequestLog { state.requests.removeFirst(state.requests.count / 2) }
            state.requests.append(
                SandboxRequestRecord(method: request.method, path: request.path, parameters: parameters, status: response.status))
            return response
        }
        response.delay += state.withLock { $0.faults.latency }
        return response
    }

    private func answer(_ request: Request, parameters: [String: String], state: inout State) -> SandboxResponse {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        guard path == "/v1/posts" else {
            return .error(404, code: "not_found", message: "No such endpoint: \(request.method) \(path.prefix(100))")
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(405, code: "method_not_allowed", message: "Only GET is allowed on /v1/posts", headers: [("Allow", "GET")])
        }
        // Scripted faults stand for anything in front of the API too (a proxy, the network).
        var fault: SandboxFault?
        if !state.scripted.isEmpty {
            fault = state.scripted.removeFirst()
        } else {
            fault = state.persistent
        }
        if let fault, let response = Self.response(for: fault) { return response }

        guard authorized(request.authorization) else {
            return .error(401, code: "unauthenticated", message: "Invalid or missing API key", headers: [("WWW-Authenticate", "Bearer")])
        }
        if let wait = state.limiter?.admit() {
            return Self.response(for: .rateLimited(retryAfterSeconds: wait)) ?? .error(429, code: "rate_limited", message: "")
        }
        if state.faultRandom.chance(state.faults.failRate) {
            return .error(500, code: "internal", message: "An unexpected error occurred")
        }

        let filter: PostFilter
        let limit: Int
        var after: String?
        do {
            (filter, limit, after) = try Self.validate(parameters)
        } catch {
            return .error(400, code: "invalid_parameter", message: error.message)
        }
        if let cursor = after {
            guard let postId = PageCursor.decode(cursor), postId.hasPrefix("post_") || state.index.contains(postId) else {
                return .error(400, code: "invalid_parameter", message: "Invalid cursor")
            }
            after = postId
        }

        var page = state.index.page(after: after, filter: filter, limit: limit)
        var nextCursor = page.ids.last.map { PageCursor.encode(lastPostId: $0) }
        if fault == .repeatCursor, let given = parameters["cursor"] {
            page.hasMore = true
            nextCursor = given
        }
        if fault == .endlessPages {
            page = state.index.page(after: nil, filter: filter, limit: limit)
            page.hasMore = true
            state.endlessPages += 1
            nextCursor = PageCursor.encode(lastPostId: "post_endless_\(state.endlessPages)")
        }
        var body: [UInt8] = []
        body.reserveCapacity(page.json.reduce(64) { $0 + $1.count + 1 })
        body.append(ascii: "{\"data\":[")
        for (i, json) in page.json.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: json)
        }
        body.append(ascii: "],\"hasMore\":")
        if page.hasMore, let nextCursor {
            body.append(ascii: "true,\"nextCursor\":")
            PostJSON.string(nextCursor, into: &body)
        } else {
            body.append(ascii: "false,\"nextCursor\":null")
        }
        body.append(UInt8(ascii: "}"))
        var response = SandboxResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)

        switch fault {
        case .cutConnection?: response.cutAfter = body.count / 2
        case .truncatedJSON?: response.body = Array(body.prefix(body.count / 2))
        case .oversizedBody(let bytes)?:
            response.body.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, bytes - body.count)))
        case .delay(let delay)?: response.delay = delay
        default:
            if state.faultRandom.chance(state.faults.truncateRate) { response.cutAfter = body.count / 2 }
        }
        return response
    }

    /// The faults answered without looking at the request; nil for those applied to a real page.
    static func response(for fault: SandboxFault) -> SandboxResponse? {
        switch fault {
        case .internalError:
            return .error(500, code: "internal", message: "An unexpected error occurred")
        case .rateLimited(let seconds):
            return .error(
                429, code: "rate_limited", message: "Too many requests; retry after \(seconds) s",
                headers: [("Retry-After", String(seconds))])
        case .badGatewayHTML:
            let html = """
                <html>\r
                <head><title>502 Bad Gateway</title></head>\r
                <body>\r
                <center><h1>502 Bad Gateway</h1></center>\r
                <hr><center>nginx</center>\r
                </body>\r
                </html>\r

                """
            return SandboxResponse(status: 502, headers: [("Content-Type", "text/html")], body: Array(html.utf8))
        case .serviceUnavailableText:
            return SandboxResponse(
                status: 503, headers: [("Content-Type", "text/plain"), ("Retry-After", "1")],
                body: Array("upstream connect error or disconnect/reset before headers\n".utf8))
        case .wrongShape:
            return SandboxResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"items\":[],\"next\":null}".utf8))
        case .cutConnection, .truncatedJSON, .oversizedBody, .delay, .repeatCursor, .endlessPages:
            return nil
        }
    }

    private func authorized(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let given = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(configuration.apiKey.utf8)
        // Compare without an early exit, as a real API would (no timing oracle for the key).
        var difference = given.count ^ expected.count
        for i in 0..<given.count { difference |= Int(given[i] ^ (i < expected.count ? expected[i] : 0)) }
        return difference == 0
    }

    struct InvalidParameter: Error {
        let message: String
    }

    /// The filters, page size and cursor of a request, or the API's message for the first bad one.
    static func validate(_ parameters: [String: String]) throws(InvalidParameter) -> (PostFilter, Int, String?) {
        func invalid(_ message: String) -> InvalidParameter { InvalidParameter(message: message) }
        var filter = PostFilter()
        if let value = parameters["status"] {
            guard let status = PostStatus.documented.first(where: { $0.rawValue == value }) else {
                throw invalid("status must be one of: generated, pending_render, posted, failed")
            }
            filter.status = status
        }
        if let value = parameters["platform"] {
            guard let platform = Platform.documented.first(where: { $0.rawValue == value }) else {
                throw invalid("platform must be one of: tiktok, instagram")
            }
            filter.platform = platform
        }
        if let value = parameters["contentType"] {
            guard let contentType = ContentType.documented.first(where: { $0.rawValue == value }) else {
                throw invalid("contentType must be one of: video, slides")
            }
            filter.contentType = contentType
        }
        if let value = parameters["accountId"] {
            guard !value.isEmpty else { throw invalid("accountId must not be empty") }
            filter.accountId = value
        }
        var limit = 50
        if let value = parameters["limit"] {
            guard let number = Int(value), (1...100).contains(number) else {
                throw invalid("limit must be an integer between 1 and 100")
            }
            limit = number
        }
        return (filter, limit, parameters["cursor"])
    }
}
