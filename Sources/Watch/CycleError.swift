/// A cycle that did not complete: nothing was applied (a failed-cycle record at most).
public struct CycleError: Error, Sendable, CustomStringConvertible {
    /// Which stage failed.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case listing, store }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A listing failed (the upstream API: auth, network, bad response); exit code 3.
        public static let listing = Code(.listing)
        /// Reading or committing the state failed.
        public static let store = Code(.store)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    /// The error that caused it, as thrown by the listing or the store.
    public let underlying: any Error

    public init(_ code: Code, _ message: String, underlying: any Error) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "cycle not applied (\(code)): \(message)" }
}
