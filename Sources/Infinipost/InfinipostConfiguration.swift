import Redaction
import Timekeeping

/// How `InfinipostClient` talks to the API; built by the command line, never read from the
/// environment here.
public struct InfinipostConfiguration: Sendable {
    /// `https://api.infinipost.co` unless pointed elsewhere (a sandbox).
    public var baseURL: String
    /// Sent as `Authorization: Bearer …`; never logged, never in an error.
    public var apiKey: String
    public var connectTimeout: Duration
    /// One request, from connect to the last byte.
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    /// A page above this size is refused (`response_too_large`): 100 posts are ~100 KB.
    public var maxPageBytes: Int
    /// Every secret of the process, taken out of the API's error texts (a 401 that quotes the
    /// key it was sent); the API key is always added.
    public var redactor: Redactor

    public static let defaultBaseURL = "https://api.infinipost.co"
    /// Every listing asks for the API's maximum page size.
    public static let pageSize = 100

    public init(
        baseURL: String = defaultBaseURL,
        apiKey: String,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(30),
        retry: RetryPolicy = RetryPolicy(),
        maxPageBytes: Int = 8 << 20,
        redactor: Redactor = Redactor()
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.maxPageBytes = maxPageBytes
        self.redactor = redactor
    }
}

/// Retries with full-jitter exponential ``Backoff``, or exactly the server's `Retry-After`; a
/// page gives up after `maxAttempts` requests or once the next wait would pass `maxTotal` since
/// its first try.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    /// Retry n waits a random time up to `min(maxDelay, baseDelay × 2ⁿ⁻¹)`.
    public var backoff: Backoff
    /// Bound on the time one page may take, waits and requests included.
    public var maxTotal: Duration
    /// A `Retry-After` above this is not waited for: the page fails (`rate_limited`).
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 6,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(20),
        maxTotal: Duration = .seconds(120),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = maxAttempts
        backoff = Backoff(base: baseDelay, cap: maxDelay)
        self.maxTotal = maxTotal
        self.maxRetryAfter = maxRetryAfter
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)
}
