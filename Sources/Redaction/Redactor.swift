import Foundation

/// Takes every secret the process knows out of a text: the API key, the SMTP password, HMAC
/// secrets, and each channel URL with the parts of it that are credentials.
///
/// Built once from the settings and the loaded rules' channels, and handed to the code where a
/// peer's words enter postwatch: the HTTP answer or libcurl error that becomes a
/// `DeliveryFailure`, the API answer that becomes an `APIError`. Redacting there, before the
/// text is cut, stored or logged, covers every output at once (log, `--output json`, metrics
/// labels, `outbox list`, the state file, which is an output like the others); redacting at each
/// print site would miss the one added next, and a text cut to 120 characters first could end
/// in half a token that no longer matches.
///
/// ```swift
/// let redactor = Redactor(secrets: [apiKey], urls: ["https://hooks.slack.com/services/T0/B0/abc123XYZ456"])
/// redactor.redact("Cannot POST /services/T0/B0/abc123XYZ456")  // "Cannot POST /services/T0/B0/[redacted]"
/// ```
public struct Redactor: Sendable, Hashable {
    /// What a secret is replaced with (a whole URL becomes its scheme and host instead).
    public static let marker = "[redacted]"

    /// The shortest secret given as such (API key, password, HMAC secret) that is redacted.
    ///
    /// Matching is by substring: a 1–3 character secret would blank out those letters in every
    /// word of every message, and protects nothing (it is guessed at once); 4 characters keeps a
    /// short but real password out of the output at the cost of the odd redacted word.
    public static let minimumLength = 4

    /// The shortest part of a URL (path segment, query value, cut-off secret) that is redacted.
    ///
    /// Parts are guessed from a URL's shape, not declared secret, and a URL holds words too
    /// (`wait=true`, `/services/`): 8 characters of a random token are about 48 bits, worth
    /// hiding; shorter parts are names a reader needs (`T0`, `B0`, `true`).
    public static let minimumPartLength = 8

    /// One text to find (in any case) and what replaces it.
    struct Needle: Sendable, Hashable {
        let text: String
        let lowered: String
        let replacement: String

        init(_ text: String, replacement: String) {
            self.text = text
            self.lowered = text.lowercased()
            self.replacement = replacement
        }
    }

    /// Longest first, so a URL is replaced whole before the token inside it.
    private(set) var needles: [Needle] = []

    /// A redactor that changes nothing.
    public init() {}

    /// - Parameters:
    ///   - secrets: values secret as a whole (API key, SMTP password, HMAC secrets); nil and
    ///     values shorter than ``minimumLength`` are skipped.
    ///   - urls: destination URLs (webhooks, SMTP servers): the URL and its credential-like parts.
    public init(secrets: [String?] = [], urls: [String] = []) {
        for secret in secrets { add(secret: secret) }
        for url in urls { add(url: url) }
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { needles.isEmpty }

    /// Adds a value that is secret as a whole, in the forms it may be quoted in.
    public mutating func add(secret: String?) {
        guard let secret, secret.count >= Self.minimumLength else { return }
        insert(secret, replacement: Self.marker)
    }

    /// Adds a destination URL: the URL itself (shown as `https://host/…`), its password, the
    /// path segments that look like tokens, query values and the fragment.
    ///
    /// Webhook services put the credential in the path (`/services/T…/B…/TOKEN`,
    /// `/api/webhooks/ID/TOKEN`, `/hooks/KEY`) or the query (`?token=…`), and a receiver's error
    /// often quotes the path alone (`Cannot POST /services/…`), so matching the whole URL is not
    /// enough. Segments that read as words stay, so the message still says which endpoint answered.
    public mutating func add(url: String) {
        let url = url.trimmingCharacters(in: .whitespacesAndNewlines)
        guard url.count >= Self.minimumLength else { return }
        guard let components = URLComponents(string: url), components.host != nil else {
            // Not a URL we can take apart: the whole text is the secret.
            add(secret: url)
            return
        }
        // A URL that is only scheme, host and port is its own redacted form: replacing it would
        // turn libcurl's `smtp://host:587/…` into `smtp://host:587/…/…`.
        let path = components.percentEncodedPath
        if components.user != nil || components.password != nil || !(path.isEmpty || path == "/")
            || components.percentEncodedQuery != nil || components.percentEncodedFragment != nil
        {
            insert(url, replacement: Self.redactedURL(url))
        }
        add(secret: components.password)
        for segment in components.percentEncodedPath.split(separator: "/") {
            let decoded = segment.removingPercentEncoding ?? String(segment)
            if Self.looksLikeToken(decoded) { addPart(String(segment)) }
        }
        for item in components.percentEncodedQueryItems ?? [] {
            if let value = item.value { addPart(value) }
        }
        if let fragment = components.percentEncodedFragment { addPart(fragment) }
    }

    /// Everything `other` redacts, added to this one (rules reloaded: old and new channels).
    public func merging(_ other: Redactor) -> Redactor {
        var merged = self
        for needle in other.needles where !merged.needles.contains(needle) { merged.needles.append(needle) }
        merged.needles.sort(by: Self.longestFirst)
        return merged
    }

    /// `text` with every secret replaced, including a secret cut short at either end of the
    /// text or before an ellipsis (a peer that truncated its own message).
    public func redact(_ text: String) -> String {
        guard !needles.isEmpty, !text.isEmpty else { return text }
        let lowered = text.lowercased()
        var out = text
        for needle in needles where lowered.contains(needle.lowered) {
            out = out.replacingOccurrences(of: needle.text, with: needle.replacement, options: .caseInsensitive)
        }
        return redactCutSecrets(out)
    }

    /// `https://hooks.slack.com/…`: the scheme, host and port of a URL, never its path, query or
    /// credentials.
    public static func redactedURL(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "…" }
        let scheme = url[..<schemeEnd.lowerBound]
        var rest = url[schemeEnd.upperBound...]
        if let at = rest.firstIndex(of: "@"), rest[..<at].firstIndex(of: "/") == nil { rest = rest[rest.index(after: at)...] }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return "\(scheme)://\(host)/…"
    }

    /// A path segment is taken for a token, not a word, when it has at least
    /// ``minimumPartLength`` characters and a digit (`T0KEN1234`, Discord's numeric IDs,
    /// Telegram's `bot123:ABC`), or 16 characters whatever they are (Slack's and Mattermost's
    /// random letters, ntfy topics). `services`, `hooks`, `webhooks`, `sendMessage` stay.
    static func looksLikeToken(_ segment: String) -> Bool {
        let count = segment.count
        if count >= 16 { return true }
        return count >= minimumPartLength && segment.contains(where: \.isNumber)
    }

    // MARK: Building

    /// A URL part: redacted when it is long enough to be a credential.
    private mutating func addPart(_ part: String) {
        guard part.count >= Self.minimumPartLength else { return }
        insert(part, replacement: Self.marker)
    }

    private mutating func insert(_ secret: String, replacement: String) {
        for variant in Self.variants(of: secret) where variant.count >= Self.minimumLength {
            let needle = Needle(variant, replacement: replacement)
            if !needles.contains(where: { $0.lowered == needle.lowered }) { needles.append(needle) }
        }
        needles.sort(by: Self.longestFirst)
    }

    private static func longestFirst(_ a: Needle, _ b: Needle) -> Bool {
        a.text.count != b.text.count ? a.text.count > b.text.count : a.text < b.text
    }

    /// The forms a secret is quoted in: as is, percent-encoded (a receiver echoing the request
    /// target), percent-decoded (a URL written encoded, echoed decoded), and JSON with escaped
    /// slashes (`https:\/\/…`, as PHP and others write it).
    static func variants(of secret: String) -> [String] {
        var forms = [secret]
        let encoded = percentEncoded(secret)
        if encoded != secret { forms.append(encoded) }
        if let decoded = secret.removingPercentEncoding, decoded != secret {
            forms.append(decoded)
            let reencoded = percentEncoded(decoded)
            if !forms.contains(reencoded) { forms.append(reencoded) }
        }
        for form in forms {
            let json = form.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "/", with: "\\/")
            if !forms.contains(json) { forms.append(json) }
        }
        return forms
    }

    /// RFC 3986: unreserved characters stay, every other byte is `%XX`.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// ASCII letters, digits and `-._~` (CharacterSet's own sets hold every script's letters).
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}
