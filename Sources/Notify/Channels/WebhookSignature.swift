import Crypto
import Foundation

/// `X-Postwatch-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the channel's
/// secret. A receiver computes the same over the bytes it received and compares in constant
/// time (see docs/webhooks.md).
public enum WebhookSignature {
    public static let headerName = "X-Postwatch-Signature"

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body`.
    public static func sign(_ body: Data, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// True when `header` is the signature of `body` with `secret` (constant-time comparison).
    public static func verify(_ body: Data, header: String, secret: String) -> Bool {
        guard header.hasPrefix("sha256="), let expected = hexBytes(String(header.dropFirst(7))) else { return false }
        let key = SymmetricKey(data: Data(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body, using: key)
    }

    static func hexBytes(_ hex: String) -> Data? {
        guard hex.utf8.count == 64 else { return nil }
        var data = Data()
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            data.append(h << 4 | l)
        }
        return data
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
