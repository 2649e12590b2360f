import Foundation
import Testing

@testable import Rules

/// `JSONEscaping` walks UTF-8 bytes (issue 15's render target); these check it against the
/// scalar-by-scalar definition it replaced, over generated text dense in what it must escape.
@Suite struct JSONEscapingTests {
    /// The definition, written the slow and obvious way: the independent model.
    static func model(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += #"\""#
            case "\\": out += #"\\"#
            case "\n": out += #"\n"#
            case "\r": out += #"\r"#
            case "\t": out += #"\t"#
            case "\u{08}": out += #"\b"#
            case "\u{0C}": out += #"\f"#
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Scalars that share the bytes the escaper looks at: every control, the quote and
    /// backslash, U+2028/U+2029 and their E2 neighbours (`…` E2 80 A6, `€` E2 82 AC, `₂`
    /// E2 82 82), and text around them.
    static let alphabet: [Unicode.Scalar] =
        (0x00...0x20).compactMap(Unicode.Scalar.init) + ["\"", "\\", "\u{7F}", "a", "é", "😀", "\u{2028}", "\u{2029}", "…", "€", "₂", "\u{2027}", "\u{202A}", "\u{80}"]

    @Test(arguments: 0..<8)
    func theByteWalkEscapesAsTheDefinitionDoes(seed: UInt64) throws {
        var random = FuzzTests.SplitMix(state: 0xE5CA_9E00 + seed)
        for _ in 0..<300 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<40, using: &random) { text.append(Self.alphabet.randomElement(using: &random)!) }
            let value = String(text)
            let escaped = JSONEscaping.escape(value)
            #expect(escaped == Self.model(value), "\(value.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(JSONEscaping.needsEscaping(value) == (escaped != value))
            #expect(try JSONParser.parse("\"\(escaped)\"") == .string(value))
            // And inside a written value, keys included.
            let object = JSONValue.object([(key: value, value: .array([.string(value), 1, true, .null]))])
            #expect(try JSONParser.parse(object.serialized) == object)
        }
    }

    @Test func literalsWriteTheJSONTheyRead() throws {
        let value: JSONValue = ["type": "section", "n": 3, "ok": false, "list": ["a", .null], "nested": ["k": "v\u{2028}"]]
        #expect(value.serialized == #"{"type":"section","n":3,"ok":false,"list":["a",null],"nested":{"k":"v\u2028"}}"#)
        #expect(JSONValue.object(dropping: ["a": nil, "b": "x"]).serialized == #"{"b":"x"}"#)
    }
}
