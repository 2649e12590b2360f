/// A transfer that did not complete, with libcurl's code and a message free of secrets.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable {
            case couldNotConnect, timedOut, responseTooLarge, protocolNotAllowed, tls, sendFailed
            case receiveFailed, badURL, smtpRejected, authenticationFailed, invalidRequest, other
        }
        fileprivate let base: Base
        public static let couldNotConnect = Code(base: .couldNotConnect)
        public static let timedOut = Code(base: .timedOut)
        public static let responseTooLarge = Code(base: .responseTooLarge)
        public static let protocolNotAllowed = Code(base: .protocolNotAllowed)
        public static let tls = Code(base: .tls)
        public static let sendFailed = Code(base: .sendFailed)
        public static let receiveFailed = Code(base: .receiveFailed)
        public static let badURL = Code(base: .badURL)
        public static let smtpRejected = Code(base: .smtpRejected)
        public static let authenticationFailed = Code(base: .authenticationFailed)
        /// Refused before any byte was sent: CR/LF in a header or an address, no recipient, …
        public static let invalidRequest = Code(base: .invalidRequest)
        public static let other = Code(base: .other)
        public var description: String { "\(base)" }
    }

    public let code: Code
    /// libcurl's `CURLcode`, 0 when the error is postwatch's own (e.g. the size cap).
    public let curlCode: Int32
    public let message: String
    /// SMTP: the server's last reply code (`554` to a refused message, `451` to a deferred one),
    /// 0 when there was none. 5xx means "never" and 4xx "not now" (RFC 5321, 4.2.1).
    public let smtpReply: Int
    /// SMTP: the server's answer to each recipient it was asked about (every one refused, or
    /// the message refused after they were accepted); empty when it never got that far.
    public internal(set) var recipientReplies: [MailRecipientReply] = []

    public init(code: Code, curlCode: Int32, message: String, smtpReply: Int = 0) {
        self.code = code
        self.curlCode = curlCode
        self.message = message
        self.smtpReply = smtpReply
    }

    /// True for errors worth retrying: connection, timeout, cut transfers.
    public var isTransient: Bool {
        [.couldNotConnect, .timedOut, .sendFailed, .receiveFailed].contains(code)
    }

    public var description: String { "\(message) (curl \(curlCode))" }
}
