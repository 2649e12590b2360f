import Crypto
import Foundation

/// The [Standard Webhooks](https://www.standardwebhooks.com) signature (`signature standard`):
/// `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64
/// HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64-decoded part of a `whsec_…`
/// secret. Receivers verify it with the `standardwebhooks` libraries (see docs/webhooks.md).
public enum StandardWebhookSignature {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"

    /// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with `key`.
    public static func sign(_ body: Data, id: String, timestamp: Int64, key: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(body, id: id, timestamp: timestamp), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// True when one of the space-separated `v1,…` signatures of `header` is the one of `body`
    /// (constant-time comparison). The receiver's side, for tests and Swift receivers; a
    /// receiver also refuses a timestamp far from its clock (the libraries allow 5 minutes).
    public static func verify(_ body: Data, id: String, timestamp: Int64, header: String, key: Data) -> Bool {
        let content = signedContent(body, id: id, timestamp: timestamp)
        for candidate in header.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let mac = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: SymmetricKey(data: key)) { return true }
        }
        return false
    }

    static func signedContent(_ body: Data, id: String, timestamp: Int64) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return content
    }
}
