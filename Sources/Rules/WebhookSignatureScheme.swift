import Foundation

/// How a `webhook` channel with a `secret` signs its requests (`signature standard`).
public enum WebhookSignatureScheme: String, Sendable, Hashable, CaseIterable {
    /// `X-Postwatch-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the secret's
    /// UTF-8 bytes: the default, as postwatch always signed.
    case postwatch
    /// [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
    /// base64-decoded part of a `whsec_…` secret; receivers verify with an off-the-shelf library.
    case standard

    /// The key of a Standard Webhooks secret (`whsec_` then base64, padded or not), or nil when
    /// `secret` is not of that shape or holds no key.
    public static func standardKey(_ secret: String) -> Data? {
        guard secret.hasPrefix("whsec_") else { return nil }
        var encoded = String(secret.dropFirst(6))
        guard !encoded.isEmpty, encoded.utf8.allSatisfy({ base64Alphabet.contains($0) }) else { return nil }
        // Unpadded base64 is common in generated secrets; the libraries accept it.
        while encoded.utf8.count % 4 != 0 { encoded += "=" }
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        return key
    }

    private static let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
}
