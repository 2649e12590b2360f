/// A store that cannot be opened, read or written.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as something a caller can switch over.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case open, database, encoding, outdated, fenced }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The store (a state file, a database) could not be opened, created or migrated.
        public static let open = Code(.open)
        /// A read or a write failed (disk full, locked, corrupt).
        public static let database = Code(.database)
        /// A stored value could not be encoded or decoded.
        public static let encoding = Code(.encoding)
        /// Opened read-only, the store needs a migration that only a writer can make.
        public static let outdated = Code(.outdated)
        /// A shared store refused a write of the poll path: this replica does not hold the
        /// current lease (it never took it, it ran out, or another replica took over since the
        /// state was read). Nothing was written; the message says who leads and until when.
        public static let fenced = Code(.fenced)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "state store (\(code)): \(message)" }
}
