import Foundation

/// The encodings an RFC 5322 message needs: RFC 2047 encoded words for headers and
/// quoted-printable for the body.
enum MIMEEncoding {
    /// The most UTF-8 bytes in one `=?UTF-8?B?…?=` word: 42 bytes are 56 base64 characters,
    /// 68 with the wrapper: under the 75 allowed, and `Subject: ` plus a word stays within the
    /// 78 characters advised for a header line.
    static let wordBytes = 42

    /// `text` as a header value: as-is when it is short printable ASCII, otherwise RFC 2047
    /// encoded words, folded one per line, never splitting a UTF-8 character. CR and LF cannot
    /// survive either way.
    static func headerValue(_ text: String) -> String {
        let line = TextFormatting.oneLine(text)
        let isPlain = line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !line.contains("=?") && line.utf8.count <= 900
        if isPlain { return line }
        return encodedWords(line).joined(separator: "\r\n ")
    }

    /// Encoded words of at most `wordBytes` UTF-8 bytes each, cut between characters (between
    /// Unicode scalars when a single character is longer than a word).
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
            chunk.removeAll(keepingCapacity: true)
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= wordBytes {
                if chunk.count + bytes.count > wordBytes { flush() }
                chunk += bytes
            } else {
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if chunk.count + scalarBytes.count > wordBytes { flush() }
                    chunk += scalarBytes
                }
            }
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?B??="] : words
    }

    /// A display name for `From`/`To`: a plain word run as-is, anything else an encoded word, so
    /// that neither a line break nor a `<`, `"` or `,` can change the header's meaning.
    static func displayName(_ name: String) -> String {
        let line = TextFormatting.oneLine(name)
        let safe = line.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x20 || byte == 0x2D
        }
        if safe && line.utf8.count <= 60 { return line }
        return encodedWords(line).joined(separator: " ")
    }

    /// UTF-8 `text` as quoted-printable (RFC 2045) with CRLF line ends and lines ≤ 76.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out = ""
        let hex = Array("0123456789ABCDEF")
        for (index, line) in normalized.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { out += "\r\n" }
            let bytes = Array(line.utf8)
            var current = ""
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let piece: String
                if (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = "=" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
                }
                // A soft break (`=`) keeps every physical line within 76 characters.
                if current.utf8.count + piece.utf8.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            out += current
        }
        return out
    }

    /// `Sun, 29 Nov 2026 12:00:00 +0000` (RFC 5322, POSIX locale, UTC).
    static func date(_ date: Date) -> String {
        TextFormatting.format(date, zone: TimeZone(secondsFromGMT: 0) ?? .current, pattern: "EEE, dd MMM yyyy HH:mm:ss '+0000'")
    }
}
