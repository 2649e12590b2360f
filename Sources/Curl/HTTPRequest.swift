import Foundation

/// An HTTP request for `CurlTransport.send(_:)`.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", put = "PUT", delete = "DELETE", head = "HEAD" }

    public var method: Method
    public var url: String
    /// Header fields in order; a name may repeat.
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var connectTimeout: Duration
    public var totalTimeout: Duration
    /// The transfer is aborted (error `.responseTooLarge`) once the body passes this many bytes.
    public var maxResponseBytes: Int
    /// Off by default: webhooks never follow redirects.
    public var followRedirects: Bool

    public init(
        method: Method = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: Data? = nil,
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 16 << 20,
        followRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
    }
}

/// The answer to an `HTTPRequest`; any status code, the body kept (errors carry bodies too).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// `Retry-After`, read by libcurl (`CURLINFO_RETRY_AFTER`), when the server sent one.
    public var retryAfter: Duration?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data(), retryAfter: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.retryAfter = retryAfter
    }

    /// The first header of that name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
