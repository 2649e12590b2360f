/// A mail address checked before it goes anywhere near a header or an SMTP command.
///
/// libcurl sends a `MAIL_RCPT` entry verbatim, CR/LF included: an unchecked address is SMTP
/// command injection. Only a conservative `local@domain` form is accepted (RFC 5321 dot-atoms,
/// no quoted local parts, no comments, no display names, ASCII only).
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// Checks `text`; throws `NotifyError` (`.invalidAddress`) naming the problem, never echoing
    /// control characters.
    public init(_ text: String) throws(NotifyError) {
        guard Self.isValid(text) else {
            let shown = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(80).map(Character.init))
            throw NotifyError(code: .invalidAddress, message: "not a valid email address: '\(shown)'")
        }
        value = text
    }

    public var description: String { value }

    static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= 254 else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard !atom.isEmpty, atom.utf8.allSatisfy({ atext.contains($0) }) else { return false }
        }
        // A domain name of LDH labels, or an address literal like [127.0.0.1].
        if domain.hasPrefix("["), domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            let allowed = Set("0123456789abcdefABCDEF.:IPv".utf8)
            return !inner.isEmpty && inner.utf8.allSatisfy { allowed.contains($0) }
        }
        let ldh = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63, label.utf8.allSatisfy({ ldh.contains($0) }),
                label.first != "-", label.last != "-"
            else { return false }
        }
        return true
    }
}
