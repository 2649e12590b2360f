extension Redactor {
    /// Redacts secrets that a peer (or a length limit) cut short: the first characters of a
    /// secret at the end of the text or just before an ellipsis (`…`, `...`), and its last
    /// characters at the start of the text or just after one. At least ``minimumPartLength``
    /// characters must remain for it to count: fewer say little about the secret, and matching
    /// them would redact ordinary words.
    ///
    /// Whole URLs are left to their parts: the start of every URL (`https://hooks.slack.com/`) is
    /// no secret, and the redacted form itself ends in an ellipsis.
    func redactCutSecrets(_ text: String) -> String {
        var out = text
        for needle in needles where needle.replacement == Self.marker && needle.text.count > Self.minimumPartLength {
            let secret = Array(needle.text)
            if out.contains(String(secret.prefix(Self.minimumPartLength))) { out = Self.redactHead(of: secret, in: out) }
            if out.contains(String(secret.suffix(Self.minimumPartLength))) { out = Self.redactTail(of: secret, in: out) }
        }
        return out
    }

    private static let ellipses: [[Character]] = [["…"], [".", ".", "."]]

    /// `…/B0/T0KEN12345…` → `…/B0/[redacted]…`
    static func redactHead(of secret: [Character], in text: String) -> String {
        var chars = Array(text)
        var index = 0
        while index < chars.count {
            var length = 0
            while length < secret.count, index + length < chars.count, chars[index + length] == secret[length] { length += 1 }
            let end = index + length
            if length >= minimumPartLength, end == chars.count || startsWithEllipsis(chars, at: end) {
                chars.replaceSubrange(index..<end, with: Array(marker))
                index += marker.count
            } else {
                index += 1
            }
        }
        return String(chars)
    }

    /// `…345XYZ rejected` → `…[redacted] rejected`
    static func redactTail(of secret: [Character], in text: String) -> String {
        var chars = Array(text)
        var starts = [0]
        for index in chars.indices {
            for ellipsis in ellipses where index + ellipsis.count <= chars.count && Array(chars[index..<index + ellipsis.count]) == ellipsis {
                starts.append(index + ellipsis.count)
            }
        }
        // From the back, so replacing one does not move the starts before it.
        for start in starts.reversed() {
            let longest = min(secret.count - 1, chars.count - start)
            guard longest >= minimumPartLength else { continue }
            for length in stride(from: longest, through: minimumPartLength, by: -1)
            where Array(chars[start..<start + length]) == Array(secret.suffix(length)) {
                chars.replaceSubrange(start..<start + length, with: Array(marker))
                break
            }
        }
        return String(chars)
    }

    private static func startsWithEllipsis(_ chars: [Character], at index: Int) -> Bool {
        ellipses.contains { ellipsis in
            index + ellipsis.count <= chars.count && Array(chars[index..<index + ellipsis.count]) == ellipsis
        }
    }
}
