import Foundation

extension HTTPReceiver {
    /// One request as the receiver read it off the socket.
    public struct Request: Sendable {
        public var method: String
        /// The request target as sent: path and query (`/hooks/abc?x=1`).
        public var target: String
        /// Header fields in order; a name may repeat.
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// The sender's TCP port on 127.0.0.1 (which process sent it can be read from /proc).
        public var peerPort: Int?

        /// The target without its query.
        public var path: String { String(target.prefix { $0 != "?" }) }
        /// The query without `?`, or nil.
        public var query: String? { target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } }
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The first header of that name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// What the receiver answers; the static helpers cover the cases tests need.
    public struct Response: Sendable {
        public enum Body: Sendable {
            case data(Data)
            /// `count` bytes of `byte`, streamed in chunks (a huge body without holding it in memory).
            case repeated(byte: UInt8, count: Int)
        }

        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: Body
        /// Waited before anything of the answer is sent (a slow server).
        public var delay: Duration
        /// When set, `Content-Length` announces the whole body but only this many bytes are sent,
        /// then the connection is closed (a cut transfer).
        public var cutAfter: Int?

        public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Body = .data(Data()),
                    delay: Duration = .zero, cutAfter: Int? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.cutAfter = cutAfter
        }

        /// `status` with a text body.
        public static func status(_ status: Int, _ text: String = "", headers: [(name: String, value: String)] = []) -> Response {
            Response(status: status, headers: headers, body: .data(Data(text.utf8)))
        }

        /// 200 (or `status`) with a JSON body.
        public static func json(_ json: String, status: Int = 200) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")], body: .data(Data(json.utf8)))
        }

        /// 429 with `Retry-After` (seconds, or any string such as an HTTP date) and Slack's body.
        public static func tooManyRequests(retryAfter: String = "1", body: String = #"{"ok":false,"error":"rate_limited"}"#) -> Response {
            Response(status: 429, headers: [("Retry-After", retryAfter), ("Content-Type", "application/json")], body: .data(Data(body.utf8)))
        }

        public static func serverError(_ text: String = "internal error") -> Response {
            .status(500, text)
        }

        /// Answers `response` only after `delay`.
        public static func slow(_ delay: Duration, _ response: Response = .status(200, "ok")) -> Response {
            var response = response
            response.delay = delay
            return response
        }

        /// 200 with a body of `bytes` bytes (`x`), streamed.
        public static func huge(bytes: Int) -> Response {
            Response(status: 200, body: .repeated(byte: UInt8(ascii: "x"), count: bytes))
        }

        /// Announces `declared` bytes, sends `sent` of them, then closes the connection.
        public static func cut(declared: Int, sent: Int) -> Response {
            Response(status: 200, body: .repeated(byte: UInt8(ascii: "x"), count: declared), cutAfter: sent)
        }

        /// A redirect (301, 302, 303, 307, 308) to `location`.
        public static func redirect(to location: String, status: Int = 302) -> Response {
            Response(status: status, headers: [("Location", location)], body: .data(Data("moved".utf8)))
        }

        var bodyLength: Int {
            switch body {
            case .data(let data): data.count
            case .repeated(_, let count): count
            }
        }
    }
}
