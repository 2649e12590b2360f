/// An error building a channel (its configuration or an address), with a code and a message
/// free of secrets. Failures to deliver are ``DeliveryFailure``s.
public struct NotifyError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidAddress, invalidConfiguration
        }
        fileprivate let base: Base
        /// An email address that is not a plain `local@domain`.
        public static let invalidAddress = Code(base: .invalidAddress)
        /// SMTP or channel configuration that cannot work (missing URL, bad scheme, …).
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
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
