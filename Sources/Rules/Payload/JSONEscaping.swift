/// The inside of a JSON string (RFC 8259) for any text: what `{{caption}}` inserts in a webhook
/// template, so that `"{{caption}}"` is always one valid JSON string whatever the post holds.
public enum JSONEscaping {
    /// `"` and `\` escaped, every control character (U+0000–U+001F, U+007F) as `\n`, `\t`, … or
    /// `\u00XX`, and U+2028/U+2029 as `\u2028`/`\u2029`: valid in JSON, but they end a line in
    /// JavaScript, and receivers that `eval` or embed the body in a script break on them.
    public static func escape(_ text: String) -> String {
        // Most values need nothing: keep them as they are.
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: #"\""#.unicodeScalars)
            case "\\": out.append(contentsOf: #"\\"#.unicodeScalars)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case "\u{08}": out.append(contentsOf: #"\b"#.unicodeScalars)
            case "\u{0C}": out.append(contentsOf: #"\f"#.unicodeScalars)
            case _ where needsEscape(scalar):
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar == "\"" || scalar == "\\" || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
