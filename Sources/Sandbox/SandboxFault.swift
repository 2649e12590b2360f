/// A misbehaviour the sandbox can answer a request with, as a real API or its proxy might.
public enum SandboxFault: Sendable, Hashable {
    /// 500 with the documented envelope, code `internal`.
    case internalError
    /// 429 with `Retry-After: seconds` and code `rate_limited`.
    case rateLimited(retryAfterSeconds: Int)
    /// 502 from a "proxy": an HTML page, not JSON.
    case badGatewayHTML
    /// 503 from a "proxy": plain text, not JSON.
    case serviceUnavailableText
    /// 200 announcing the full `Content-Length`, then the connection is closed halfway through the body.
    case cutConnection
    /// 200 with a complete HTTP body that holds only the first half of the JSON document.
    case truncatedJSON
    /// 200 with JSON that is not a page (`{"items": []}`).
    case wrongShape
    /// 200 with a valid page padded with whitespace to this many bytes.
    case oversizedBody(bytes: Int)
    /// The request is answered normally, after this delay (for client timeouts).
    case delay(Duration)
    /// A normal page whose `nextCursor` is the cursor of the request (a server stuck in a loop).
    case repeatCursor
    /// The first page again, with `hasMore: true` and a cursor never given before (a server
    /// whose pagination never ends: no loop to spot, just more pages of the same posts).
    case endlessPages
}

/// The random fault knobs of `postwatch sandbox` (`--latency`, `--fail-rate`, `--rate-limit`,
/// `--truncate-rate`); scripted faults for tests are queued on `Sandbox` instead.
public struct SandboxFaults: Sendable, Hashable {
    /// Added to every request before it is answered.
    public var latency: Duration
    /// Probability (0…1) that a request is answered 500 `internal`.
    public var failRate: Double
    /// Requests per second allowed (a token bucket with a one-second burst); nil: unlimited.
    public var rateLimit: Double?
    /// Probability (0…1) that a 200 has its connection cut mid-body.
    public var truncateRate: Double

    /// `--rate-limit`: `5/s`, `5`, `300/m`, `3600/h` → requests per second; nil for anything
    /// else (zero, negative, not finite, another unit).
    public static func requestsPerSecond(parsing text: String) -> Double? {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let count = Double(first), count > 0, count.isFinite else { return nil }
        guard parts.count == 2 else { return count }
        switch parts[1] {
        case "s": return count
        case "m": return count / 60
        case "h": return count / 3600
        default: return nil
        }
    }

    public init(latency: Duration = .zero, failRate: Double = 0, rateLimit: Double? = nil, truncateRate: Double = 0) {
        self.latency = latency
        self.failRate = failRate
        self.rateLimit = rateLimit
        self.truncateRate = truncateRate
    }

    /// No faults at all.
    public static let none = SandboxFaults()
}
