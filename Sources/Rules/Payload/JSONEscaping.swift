/// The inside of a JSON string (RFC 8259) for any text: what `{{caption}}` inserts in a webhook
/// template, so that `"{{caption}}"` is always one valid JSON string whatever the post holds.
public enum JSONEscaping {
    /// `"` and `\` escaped, every control character (U+0000–U+001F, U+007F) as `\n`, `\t`, … or
    /// `\u00XX`, and U+2028/U+2029 as `\u2028`/`\u2029`: valid in JSON, but they end a line in
    /// JavaScript, and receivers that `eval` or embed the body in a script break on them.
    public static func escape(_ text: String) -> String {
        // Most values need nothing: keep them as they are.
        guard needsEscaping(text) else { return text }
        var out: [UInt8] = []
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` escaped (as ``escape(_:)`` does) to UTF-8 bytes: how ``JSONValue`` writes
    /// its strings, one pass over the bytes, without a String per value.
    public static func append(_ text: String, to out: inout [UInt8]) {
        // Most strings (keys, ids, plain words) hold nothing to escape: one scan, one copy.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xE2 }) {
            out.append(contentsOf: text.utf8)
            return
        }
        var text = text
        text.withUTF8 { bytes in
            // Every character escaped is ASCII, or U+2028/U+2029 (E2 80 A8, E2 80 A9): a walk
            // over the UTF-8 bytes never splits a character it keeps. Runs of bytes kept as
            // they are (most of any text) are copied at once.
            var kept = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escape: [UInt8]?
                var length = 1
                switch byte {
                case 0x22: escape = [0x5C, 0x22]
                case 0x5C: escape = [0x5C, 0x5C]
                case 0x0A: escape = [0x5C, UInt8(ascii: "n")]
                case 0x0D: escape = [0x5C, UInt8(ascii: "r")]
                case 0x09: escape = [0x5C, UInt8(ascii: "t")]
                case 0x08: escape = [0x5C, UInt8(ascii: "b")]
                case 0x0C: escape = [0x5C, UInt8(ascii: "f")]
                case 0x00..<0x20, 0x7F: escape = unicodeEscape(UInt16(byte))
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = unicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                    length = 3
                default: escape = nil
                }
                if let escape {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept..<index]))
                    out += escape
                    kept = index + length
                }
                index += length
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept...]))
        }
    }

    /// Whether ``escape(_:)`` changes `text`.
    public static func needsEscaping(_ text: String) -> Bool {
        // A byte scan first: most text has none of them; an E2 byte is checked as a scalar.
        text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xE2 }
            && text.unicodeScalars.contains(where: needsEscape)
    }

    /// `\uXXXX` with lowercase hex digits.
    private static func unicodeEscape(_ value: UInt16) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [0x5C, UInt8(ascii: "u")] + stride(from: 12, through: 0, by: -4).map { digits[Int(value >> UInt16($0)) & 0xF] }
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar == "\"" || scalar == "\\" || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
