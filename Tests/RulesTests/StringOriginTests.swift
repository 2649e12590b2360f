import Testing
@testable import Rules

/// Every scalar of a string's text maps back to where it was written, however it was spelled:
/// template errors were reported on line 7 of a 5-line file, or past the end of a line, when a
/// title held `\n` escapes or a `"""` body was indented.
@Suite struct StringOriginTests {
    /// A small seeded generator (SplitMix64), so that a failure names a seed that replays it.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// Pieces of a string as written in a file; `multiline` pieces may hold raw newlines and quotes.
    static func piece(_ random: inout Random, multiline: Bool) -> String {
        let pieces = [
            "word", " ", "{{count}}", "{{#posts}}", "{{/posts}}", "{{postId", "é", "🚨", "\\n", "\\t", "\\\"", "\\\\", "{", "}}",
        ]
        // A raw quote is followed by a letter: three in a row would close the string.
        if multiline && random.next(5) == 0 { return ["\n", "\"x", "\n  "][random.next(3)] }
        return pieces[random.next(pieces.count)]
    }

    @Test(arguments: 0..<300)
    func everyScalarMapsToWhereItWasWritten(seed: Int) throws {
        var random = Random(state: UInt64(seed))
        let multiline = random.next(2) == 0
        let indentation = String(repeating: " ", count: random.next(6))
        var content = ""
        for _ in 0..<(1 + random.next(12)) { content += Self.piece(&random, multiline: multiline) }
        let literal: String
        if multiline {
            let lines = content.split(separator: "\n", omittingEmptySubsequences: false)
            literal = "\"\"\"\n" + lines.map { indentation + $0 }.joined(separator: "\n") + "\n" + indentation + "\"\"\""
        } else {
            literal = "\"" + content + "\""
        }
        let file = "channel c = console\n\(indentation)title \(literal)\n"
        let (tokens, diagnostics) = Lexer.tokenize(SourceFile(name: "t.rules", text: file))
        #expect(diagnostics.isEmpty, "seed \(seed): \(diagnostics)")
        let token = try #require(tokens.first { if case .string = $0.kind { true } else { false } }, "seed \(seed)")
        guard case .string(let text) = token.kind else { return }
        let origin = try #require(token.stringOrigin)
        let written = file.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        #expect(origin.positions.count == text.unicodeScalars.count + 1, "seed \(seed)")
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let position = origin.position(atScalar: offset)
            let line = written[position.line - 1]
            let there: Unicode.Scalar = position.column - 1 < line.count ? line[position.column - 1] : "\n"
            // The scalar itself, or the backslash of the escape that wrote it.
            #expect(there == scalar || there == "\\", "seed \(seed): scalar \(offset) '\(scalar)' maps to \(position) '\(there)' in\n\(file)")
        }
        // The end is the closing quote.
        let end = origin.position(atScalar: text.unicodeScalars.count)
        #expect(written[end.line - 1][end.column - 1] == "\"", "seed \(seed)")
    }
}
