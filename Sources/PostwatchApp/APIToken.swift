import Foundation

/// The bearer token of the daemon's HTTP API, read from a file (`--api-token-file`).
///
/// The file must hold a token of at least 16 characters and must not be readable by every
/// user (like ssh's keys: a token anyone on the host can read guards nothing). Compared in
/// constant time.
public struct APIToken: Sendable {
    private let bytes: [UInt8]

    /// Tokens shorter than this are refused: a guessable token is no token.
    public static let minimumLength = 16

    public init(token: String) throws(CommandError) {
        guard token.count >= Self.minimumLength else {
            throw CommandError(.configuration, "the API token must be at least \(Self.minimumLength) characters (e.g. `openssl rand -hex 32`)")
        }
        bytes = Array(token.utf8)
    }

    /// Reads and checks the token file.
    public init(file path: String) throws(CommandError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes, let data = FileManager.default.contents(atPath: path) else {
            throw CommandError(.configuration, "cannot read the API token file '\(path)' (see --api-token-file)")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o004 != 0 {
            throw CommandError(
                .configuration, "the API token file '\(path)' is readable by every user: chmod o-r '\(path)' (e.g. chmod 600)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CommandError(.configuration, "the API token file '\(path)' is empty") }
        try self.init(token: token)
    }

    /// True for `Bearer <the token>` (the scheme's case aside, RFC 6750).
    public func accepts(authorization: String?) -> Bool {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return false }
        let offered = Array(authorization.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        // Every byte of the longer one is read whatever differs: the time taken says nothing
        // about how much of a guess was right.
        var difference: UInt8 = offered.count == bytes.count ? 0 : 1
        for index in 0..<max(offered.count, bytes.count) {
            let a = index < offered.count ? offered[index] : 0
            let b = index < bytes.count ? bytes[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
