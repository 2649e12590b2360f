/// A `--state postgres://…` that cannot be used: what is wrong and where, never the password.
public struct PostgresConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as something a caller can switch over.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case url, sslmode, passwordFile, caFile }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The URL does not parse, or names no host, user or database as it should.
        public static let url = Code(.url)
        /// `sslmode` is not one of disable, require, verify-ca, verify-full.
        public static let sslmode = Code(.sslmode)
        /// `--state-password-file` cannot be read or is empty.
        public static let passwordFile = Code(.passwordFile)
        /// The CA file (`--ca-file`, `sslrootcert`) cannot be read as PEM certificates.
        public static let caFile = Code(.caFile)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
