import Curl
import Foundation
import Logging
import Timekeeping

/// Lists posts from `GET /v1/posts` over libcurl: pages of 100 following `nextCursor`, retries
/// with backoff, and an `APIError` for anything else than the documented JSON.
///
/// ```swift
/// let client = InfinipostClient(
///     configuration: InfinipostConfiguration(apiKey: key), transport: CurlTransport(), logger: logger)
/// let failed = try await client.posts(matching: PostsQuery(status: .failed))
/// ```
public struct InfinipostClient: PostListing {
    public let configuration: InfinipostConfiguration
    let transport: CurlTransport
    let logger: Logger
    /// Times a page's retries and waits between them; a test passes a manual clock, which
    /// returns at once (and records the wait).
    let clock: any WallClock

    public init(
        configuration: InfinipostConfiguration,
        transport: CurlTransport,
        logger: Logger = Logger(label: "postwatch.infinipost"),
        clock: any WallClock = SystemClock()
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.clock = clock
    }

    /// Every post matching `query`, following the cursor chain to `hasMore: false`.
    /// Throws `APIError` (or `CancellationError`); the listing is then incomplete.
    public func posts(matching query: PostsQuery) async throws -> [Post] {
        var posts: [Post] = []
        for try await page in pages(matching: query) { posts.append(contentsOf: page.data) }
        return posts
    }

    /// The pages of a listing, one request each (retries aside), lazily.
    public func pages(matching query: PostsQuery) -> PostPages {
        PostPages(client: self, query: query)
    }

    /// One page: the first when `cursor` is nil. Retried as `RetryPolicy` says; throws `APIError`.
    public func page(matching query: PostsQuery, cursor: String?) async throws -> PostsPage {
        let url = try url(for: query, cursor: cursor)
        let request = HTTPRequest(
            method: .get, url: url,
            headers: [("Authorization", "Bearer " + configuration.apiKey), ("Accept", "application/json")],
            connectTimeout: configuration.connectTimeout, totalTimeout: configuration.requestTimeout,
            maxResponseBytes: configuration.maxPageBytes)
        let policy = configuration.retry
        let started = clock.elapsed
        var attempt = 0
        while true {
            attempt += 1
            let error: APIError
            do {
                return try await fetch(request)
            } catch let failure as APIError {
                error = failure.with(attempts: attempt)
            }
            try Task.checkCancellation()
            guard error.isRetryable, attempt < policy.maxAttempts else { throw error }
            // Time spent so far, the requests and the waits, on the injected clock (a test's
            // manual clock counts the waits it was asked for).
            let spent = clock.elapsed - started
            var wait = policy.backoff.delay(attempt: attempt, random: Double.random(in: 0..<1))
            if let retryAfter = error.retryAfter {
                guard retryAfter <= policy.maxRetryAfter else {
                    throw error.appending("; Retry-After \(retryAfter.compactDescription) is longer than allowed")
                }
                wait = retryAfter
            }
            guard spent + wait < policy.maxTotal else {
                throw error.appending("; gave up after \(spent.compactDescription) (limit \(policy.maxTotal.compactDescription))")
            }
            logger.debug(
                "retrying page",
                metadata: [
                    "api.code": "\(error.code)", "api.status": "\(error.httpStatus.map(String.init) ?? "-")",
                    "api.attempt": "\(attempt)", "api.retry_in": "\(wait.compactDescription)",
                ])
            try await clock.sleep(for: wait)
        }
    }

    /// `{base}/v1/posts?status=…&limit=100&cursor=…`, every value percent-encoded.
    func url(for query: PostsQuery, cursor: String?) throws(APIError) -> String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw APIError(code: .configuration, message: "the API URL must start with https:// or http://")
        }
        var items: [(String, String)] = []
        if let status = query.status { items.append(("status", status.rawValue)) }
        if let platform = query.platform { items.append(("platform", platform.rawValue)) }
        if let contentType = query.contentType { items.append(("contentType", contentType.rawValue)) }
        if let accountId = query.accountId { items.append(("accountId", accountId)) }
        items.append(("limit", String(InfinipostConfiguration.pageSize)))
        if let cursor { items.append(("cursor", cursor)) }
        let text = items.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return base + "/v1/posts?" + text
    }

    /// RFC 3986 unreserved characters stay, everything else is `%XX`.
    static func percentEncode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
