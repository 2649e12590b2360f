/// An error of the notification side, with a code and a message free of secrets.
public struct NotifyError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidAddress, invalidConfiguration, unknownChannel, badPayload, rejected, transport
        }
        fileprivate let base: Base
        /// An email address that is not a plain `local@domain`.
        public static let invalidAddress = Code(base: .invalidAddress)
        /// SMTP or channel configuration that cannot work (missing URL, bad scheme, …).
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The outbox names a channel the loaded rules no longer declare.
        public static let unknownChannel = Code(base: .unknownChannel)
        /// The outbox payload could not be read.
        public static let badPayload = Code(base: .badPayload)
        /// The destination answered with an error status.
        public static let rejected = Code(base: .rejected)
        /// The transfer failed (connection, TLS, timeout, SMTP reply).
        public static let transport = Code(base: .transport)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
