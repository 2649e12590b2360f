/// Why a request to the posts API failed: the API's own `code` and `message` when it sent the
/// documented error envelope, else postwatch's code for what went wrong on the way.
///
/// Never holds the API key: messages are built from status codes, body shapes and libcurl
/// errors, never from request headers.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The API's `error.code` (kept raw, the API may add codes) or one of postwatch's own.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // The API's codes (API.md), plus the sandbox's `rate_limited`.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        public static let `internal` = Code(rawValue: "internal")
        public static let rateLimited = Code(rawValue: "rate_limited")
        // postwatch's own.
        /// No complete HTTP answer: connection refused, reset, or cut mid-body (retried).
        public static let connection = Code(rawValue: "connection")
        /// A transfer that cannot work when asked again: TLS, a refused protocol, a bad URL.
        public static let transport = Code(rawValue: "transport")
        /// No answer in time.
        public static let timeout = Code(rawValue: "timeout")
        /// An answer that is not the documented JSON (an HTML page, a cut body, another shape).
        public static let badResponse = Code(rawValue: "bad_response")
        /// The body passed `InfinipostConfiguration.maxPageBytes`.
        public static let responseTooLarge = Code(rawValue: "response_too_large")
        /// The API handed back a cursor it had already given: following it would loop forever.
        public static let cursorLoop = Code(rawValue: "cursor_loop")
        /// A configuration that cannot make a request (bad base URL, empty key).
        public static let configuration = Code(rawValue: "configuration")
    }

    public let code: Code
    public let message: String
    /// The HTTP status of the answer; nil when there was none (transport, configuration).
    public let httpStatus: Int?
    /// Requests made for the failing page, retries included.
    public let attempts: Int
    /// The server's `Retry-After`, when it sent one.
    public let retryAfter: Duration?

    public init(code: Code, message: String, httpStatus: Int? = nil, attempts: Int = 1, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.attempts = attempts
        self.retryAfter = retryAfter
    }

    /// True for what may pass when asked again: 429, 5xx, 408, timeouts, connections.
    public var isRetryable: Bool {
        if code == .connection || code == .timeout { return true }
        guard let httpStatus else { return false }
        return httpStatus == 429 || httpStatus == 408 || (500...599).contains(httpStatus)
    }

    /// `unauthenticated (HTTP 401): Invalid or missing API key`.
    public var description: String {
        var text = code.rawValue
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        text += ": " + message
        if attempts > 1 { text += " [after \(attempts) attempts]" }
        return text
    }

    func appending(_ text: String) -> APIError {
        APIError(code: code, message: message + text, httpStatus: httpStatus, attempts: attempts, retryAfter: retryAfter)
    }

    func with(attempts: Int) -> APIError {
        APIError(code: code, message: message, httpStatus: httpStatus, attempts: attempts, retryAfter: retryAfter)
    }
}
