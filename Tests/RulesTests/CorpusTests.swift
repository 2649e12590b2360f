import Foundation
import Testing
@testable import Rules

/// Broken rule files, each with its exact expected diagnostics (`name.rules` + `name.expected`).
///
/// To update an expectation after changing a message on purpose, run
/// `postwatch rules lint --rules NAME.rules` inside the Corpus directory with
/// `CORPUS_HOOK=https://hooks.example.com/T/B/X CORPUS_PD_KEY=0123456789abcdef0123456789abcdef` and copy its output minus the summary line.
@Suite struct CorpusTests {
    static let environment = [
        "CORPUS_HOOK": "https://hooks.example.com/T/B/X", "CORPUS_PD_KEY": "0123456789abcdef0123456789abcdef",
        // Standard Webhooks secrets (`signature standard`): one of the right shape, one not.
        "CORPUS_WHSEC": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "CORPUS_BAD_WHSEC": "whsec_not base64!",
    ]

    static var corpus: URL? { Bundle.module.url(forResource: "Corpus", withExtension: nil) }

    static var names: [String] {
        guard let corpus, let files = try? FileManager.default.contentsOfDirectory(atPath: corpus.path) else { return [] }
        return files.filter { $0.hasSuffix(".rules") }.map { String($0.dropLast(6)) }.sorted()
    }

    @Test func corpusIsThere() {
        #expect(Self.names.count >= 15)
    }

    @Test(arguments: names)
    func diagnosticsMatch(_ name: String) throws {
        let corpus = try #require(Self.corpus)
        let source = try String(contentsOf: corpus.appendingPathComponent("\(name).rules"), encoding: .utf8)
        let expected = try String(contentsOf: corpus.appendingPathComponent("\(name).expected"), encoding: .utf8)
        let actual = Fixture.diagnostics(source, name: "\(name).rules", environment: Self.environment)
        #expect(actual.joined(separator: "\n") + "\n" == expected)
    }
}
