import CCurl
import Foundation

/// A URL as libcurl itself parses it (`curl_url`), so the checks made here are about the very
/// host libcurl will connect to.
struct CurlURL: Sendable {
    let scheme: String
    let host: String
    let port: String?
    /// Parts that may be secret (webhook tokens live in paths, API keys in queries).
    let secretParts: [String]

    init?(_ string: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        // Non-supported schemes parse too, so `file:` or `gopher:` get a clear "not allowed".
        guard curl_url_set(handle, CURLUPART_URL, string, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME) else { return nil }
        self.scheme = scheme.lowercased()
        host = part(CURLUPART_HOST) ?? ""
        port = part(CURLUPART_PORT)
        secretParts = [CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_PATH, CURLUPART_QUERY, CURLUPART_FRAGMENT]
            .compactMap { part($0) }
            .filter { $0.count > 1 }
    }

    /// `https://hooks.slack.com/…`: enough to tell destinations apart, nothing secret.
    var redacted: String {
        let authority = port.map { "\(host):\($0)" } ?? host
        return "\(scheme)://\(authority)/…"
    }

    /// 127.0.0.0/8, ::1 and `localhost` (which libcurl resolves to loopback itself, without DNS).
    var isLoopback: Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        if name.hasPrefix("["), name.hasSuffix("]") {
            var v6 = in6_addr()
            let inner = String(name.dropFirst().dropLast())
            if inet_pton(AF_INET6, inner, &v6) == 1 {
                return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
            }
        }
        return false
    }

    /// Removes any secret part of this URL from a text (libcurl's messages may quote them).
    func scrub(_ text: String) -> String {
        var text = text
        for secret in secretParts.sorted(by: { $0.count > $1.count }) where secret != "/" {
            text = text.replacingOccurrences(of: secret, with: "…")
        }
        return text
    }

    /// Same scheme, host and port: credentials may follow a redirect only within one origin.
    func sameOrigin(as other: CurlURL) -> Bool {
        scheme == other.scheme && host.lowercased() == other.host.lowercased() && port == other.port
    }
}

extension CurlTransport {
    /// True when libcurl would connect `url` to this machine (``CurlURL/isLoopback``), for
    /// checks made before any transfer, such as refusing an SMTP login without TLS elsewhere.
    public static func isLoopback(url: String) -> Bool { CurlURL(url)?.isLoopback ?? false }
}
