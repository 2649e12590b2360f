import Foundation
import Logging
import Synchronization
import Testing
@testable import PostwatchApp

/// The log handler's lines cannot be forged or broken by what they carry.
@Suite struct LogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    static func logger(_ format: LogFormat, into lines: Lines) -> Logger {
        Logger(label: "test") { label in
            PostwatchLogHandler(label: label, format: format, level: .trace) { line in lines.lines.withLock { $0.append(line) } }
        }
    }

    /// Metadata quoting broke on names with quotes: `rule.name="Say "hi""` read as two fields,
    /// and a newline in a peer's text started what looked like a log line of its own.
    @Test func textValuesAreQuotedAndEscaped() throws {
        let lines = Lines()
        Self.logger(.text, into: lines).warning(
            "delivery failed\n10:00:00 INFO    forged",
            metadata: ["rule.name": "Say \"hi\" now", "error": "line one\nline two", "plain": "word", "empty": ""])
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n10:00:00"), "\(line)")
        #expect(line.contains("\n    10:00:00 INFO    forged"), "\(line)")
        #expect(line.contains(#"rule.name="Say \"hi\" now""#), "\(line)")
        #expect(line.contains(#"error="line one\nline two""#), "\(line)")
        #expect(line.contains(" plain=word"), "\(line)")
        #expect(line.contains(#" empty="""#), "\(line)")
        #expect(line.split(separator: "\n").count == 2, "only the message's own break: \(line)")
    }

    /// JSON logs wrote `exit.code` as a string, and metadata could overwrite `message`,
    /// `level` or `time`.
    @Test func jsonKeepsItsOwnFieldsAndNumbers() throws {
        let lines = Lines()
        Self.logger(.json, into: lines).error(
            "postwatch stopped",
            metadata: ["exit.code": .stringConvertible(2), "message": "forged", "level": "debug", "note": "a \"quoted\" text"])
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "postwatch stopped")
        #expect(object["level"] as? String == "error")
        #expect(object["metadata.message"] as? String == "forged")
        #expect(object["metadata.level"] as? String == "debug")
        #expect(object["exit.code"] as? Int == 2)
        #expect(object["note"] as? String == "a \"quoted\" text")
    }
}
