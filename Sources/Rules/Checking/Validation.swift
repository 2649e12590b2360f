import Foundation

/// Email addresses as postwatch accepts them: a plain ASCII `local@domain`, nothing that could
/// smuggle a header or an SMTP command (no spaces, quotes, angle brackets, CR or LF).
public enum EmailAddress {
    private static let localCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-")
    private static let domainCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

    public static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254 else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, local.allSatisfy(localCharacters.contains),
              !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return !domain.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy(domainCharacters.contains)
                && !label.hasPrefix("-") && !label.hasSuffix("-")
        }
    }
}

/// http(s) URL checks for chat and webhook targets.
enum WebURL {
    static func isHTTP(_ text: String) -> Bool {
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline }),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    /// `https://hooks.slack.com/…`: scheme and host only (the path of a hook is its secret).
    static func redacted(_ text: String) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme, let host = components.host else {
            return text.count > 12 ? String(text.prefix(8)) + "…" : text
        }
        return "\(scheme)://\(host)/…"
    }
}
