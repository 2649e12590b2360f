import Foundation
import Sandbox
import Testing

@testable import Notify

/// The escapers have a byte path for ASCII text (issue 15's render target) beside their walk
/// over characters. Each must give what the character walk gives: a text followed by `→`
/// (neither a letter, a digit nor special anywhere) goes the character way, and its escaping
/// must be the ASCII way's followed by `→`.
@Suite struct ASCIIFastPathTests {
    static let alphabet: [Character] = Array(#"aZ09_*~`&<>@.\ -#!|:()[]{}+""#) + ["\n", "\r\n", "\t", "1", "."]

    static func texts(seed: UInt64) -> [String] {
        var random = SeededRandom(seed: seed)
        return (0..<400).map { _ in
            String((0..<Int.random(in: 0..<24, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
    }

    @Test(arguments: ["entities", "backslashMarkdown", "neutraliseAt", "slack", "mattermost", "discord", "telegram"])
    func theBytePathEscapesAsTheCharacterWalkDoes(escaper: String) {
        let escape: (String) -> String =
            switch escaper {
            case "entities": MessageFormat.entities
            case "backslashMarkdown": MessageFormat.backslashMarkdown
            case "neutraliseAt": MessageFormat.neutraliseAt
            default: MessageFormat(rawValue: escaper)!.escape
            }
        for text in Self.texts(seed: 0xA5C1 &+ UInt64(escaper.utf8.count)) {
            #expect(escape(text + "→") == escape(text) + "→", "\(String(reflecting: text))")
        }
    }

    @Test func oneLineLeavesOnlyWhatItWouldNotChange() {
        for text in Self.texts(seed: 77) {
            let model = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            #expect(TextFormatting.oneLine(text) == model, "\(String(reflecting: text))")
            #expect(TextFormatting.isOneLineASCII(text) == (model == text), "\(String(reflecting: text))")
        }
    }
}

/// `utf16Length` counts from the UTF-8 bytes what `utf16.count` counts.
@Suite struct UTF16LengthTests {
    @Test func itCountsWhatUTF16Counts() {
        var random = SeededRandom(seed: 0x0716)
        let alphabet: [String] = ["a", "é", "·", "→", "😀", "👩‍👩‍👧", "\u{301}", "𝕏", "中", "\n", "\u{FEFF}", "\u{10FFFF}"]
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0..<30, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
            #expect(text.utf16Length == text.utf16.count, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(text.dropFirst().utf16Length == text.dropFirst().utf16.count)
        }
    }
}
