/// What the sandbox answers one request with, before it goes on the wire.
public struct SandboxResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Wait this long before answering (latency knob, `delay` fault).
    public var delay: Duration
    /// Announce the whole body but close the connection after this many bytes (a cut transfer).
    public var cutAfter: Int?

    public init(
        status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        delay: Duration = .zero, cutAfter: Int? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.cutAfter = cutAfter
    }

    /// The API's error envelope: `{"error": {"code": "...", "message": "..."}}`.
    static func error(_ status: Int, code: String, message: String, headers: [(name: String, value: String)] = []) -> SandboxResponse {
        var body: [UInt8] = []
        body.append(ascii: "{\"error\":{\"code\":")
        PostJSON.string(code, into: &body)
        body.append(ascii: ",\"message\":")
        PostJSON.string(message, into: &body)
        body.append(ascii: "}}")
        return SandboxResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }
}

/// One request the sandbox received, as tests inspect them (e.g. that no `limit` went above 100).
public struct SandboxRequestRecord: Sendable, Hashable {
    public let method: String
    public let path: String
    /// Query parameters as received (percent-decoded), the first value of each name.
    public let parameters: [String: String]
    /// The status the sandbox answered.
    public let status: Int
}
