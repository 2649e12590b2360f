import Foundation
import Testing
@testable import Rules

/// Random bytes and random token soups: the loader must answer with diagnostics, never crash or hang.
@Suite struct FuzzTests {
    /// A small deterministic generator (SplitMix64) so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let vocabulary = [
        "channel", "rule", "when", "where", "notify", "group", "by", "throttle", "severity", "title", "body",
        "and", "or", "not", "in", "contains", "matches", "exists", "overdue", "deleted", "new", "now", "secret",
        "slack", "email", "console", "webhook", "ops", "platform", "status", "delay", "soundId", "tiktok", "failed",
        "posted", "pending_render", "critical", "\"x\"", "\"{{count}}\"", "\"{{#posts}}\"", "\"\"\"\n{{x}}\n\"\"\"",
        "env:HOOK", "file:/nope", "15m", "1h30m", "10", "->", "*", ",", "=", "!=", "<", ">=", "(", ")", "{", "}",
        "\n", "\n", "\n", "#c\n", "\"", "'", ";", "&&", "==", "é", "\t",
    ]

    func check(_ source: String) {
        do {
            _ = try RuleSet.load(source: source, name: "fuzz.rules", environment: ["HOOK": "https://h.example.com/x"])
        } catch {
            #expect(!error.errors.isEmpty)
            for diagnostic in error.diagnostics {
                #expect(diagnostic.location.line >= 1)
                _ = diagnostic.description
            }
        }
    }

    @Test func randomBytes() {
        var random = SplitMix(state: 42)
        let start = ContinuousClock.now
        for _ in 0..<200 {
            let count = Int.random(in: 0..<2_000, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            check(String(decoding: bytes, as: UTF8.self))
        }
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func randomTokenSequences() {
        var random = SplitMix(state: 7)
        let start = ContinuousClock.now
        for _ in 0..<1_000 {
            let count = Int.random(in: 0..<120, using: &random)
            let tokens = (0..<count).map { _ in Self.vocabulary.randomElement(using: &random) ?? "" }
            check(tokens.joined(separator: " "))
        }
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func mutatedValidFiles() {
        var random = SplitMix(state: 2024)
        let base = Array(Fixture.design.unicodeScalars)
        for _ in 0..<500 {
            var scalars = base
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<scalars.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: scalars.remove(at: index)
                case 1: scalars.insert(scalars[Int.random(in: 0..<scalars.count, using: &random)], at: index)
                default: scalars[index] = Unicode.Scalar(UInt8.random(in: 32...126, using: &random))
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            check(text)
        }
    }

    @Test func deeplyNestedParenthesesDoNotOverflow() {
        let depth = 2_000
        let source = "channel c = console\nrule \"r\" {\n when failed\n where " + String(repeating: "(", count: depth)
            + "platform = tiktok" + String(repeating: ")", count: depth) + "\n notify c\n}\n"
        check(source)
        check(String(repeating: "not ", count: depth))
        check("channel c = console\nrule \"r\" {\n when failed\n where " + String(repeating: "not ", count: depth) + "platform = tiktok\n notify c\n}\n")
        let chain = Array(repeating: "platform = tiktok", count: depth).joined(separator: " and ")
        check("channel c = console\nrule \"r\" {\n when failed\n where \(chain)\n notify c\n}\n")
    }
}
