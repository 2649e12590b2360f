import Synchronization

/// Secret values (API key, webhook URLs, SMTP password, HMAC secrets) that must never be printed.
///
/// Every log line and every error postwatch prints goes through `redact(_:)`: a second line of
/// defence behind code that never puts a secret in a message in the first place.
public final class Redactor: Sendable {
    public static let shared = Redactor()

    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Registers a secret; values shorter than 4 characters are ignored (they would blank out words).
    public func register(_ secret: String?) {
        guard let secret, secret.count >= 4 else { return }
        secrets.withLock { list in
            if !list.contains(secret) {
                list.append(secret)
                // Longest first, so a URL is replaced before the token inside it.
                list.sort { $0.count > $1.count }
            }
        }
    }

    public func redact(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        var text = text
        for secret in list where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }
}
