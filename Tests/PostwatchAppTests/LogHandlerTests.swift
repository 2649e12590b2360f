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

    /// A CR LF in a message (a peer's error text) is a line break like LF: the line after it is
    /// indented too, never a log line of its own.
    @Test func textIndentsTheLineAfterACRLF() throws {
        let lines = Lines()
        Self.logger(.text, into: lines).error("HTTP 500\r\n10:00:00 INFO    forged")
        let line = try #require(lines.all.first)
        #expect(line.contains("\r\n    10:00:00 INFO    forged"), "\(line)")
        // By scalars: as a Character, CR LF is one, and is not "\n".
        let pieces = line.unicodeScalars.split(separator: "\n").map { String(String.UnicodeScalarView($0)) }
        #expect(pieces.count == 2 && pieces[1].hasPrefix("    "), "\(line)")
    }

    /// The logger's own metadata and a metadata provider are escaped as event metadata is.
    @Test func textEscapesMetadataFromEverySource() throws {
        let lines = Lines()
        var logger = Self.logger(.text, into: lines)
        logger[metadataKey: "channel.name"] = "ops \"main\""
        logger.handler.metadataProvider = Logger.MetadataProvider { ["peer": "a\nb"] }
        logger.info("sent")
        let line = try #require(lines.all.first)
        #expect(line.contains(#"channel.name="ops \"main\"""#), "\(line)")
        #expect(line.contains(#"peer="a\nb""#), "\(line)")
        #expect(!line.contains("\n"), "\(line)")
    }

    /// Whichever source metadata comes from (the event, the logger, a provider), it never
    /// replaces `time`, `level`, `message` or `logger`, and nothing it says is lost.
    @Test func jsonFieldsCannotBeOverwrittenFromAnySource() throws {
        let lines = Lines()
        var logger = Self.logger(.json, into: lines)
        logger[metadataKey: "time"] = "1970-01-01T00:00:00Z"
        logger.handler.metadataProvider = Logger.MetadataProvider { ["logger": "forged"] }
        logger.warning(
            "line one\nline two",
            metadata: ["message": "forged", "metadata.message": "given as such", "level": "trace"])
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n"), "one JSON object per line: \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "line one\nline two")
        #expect(object["level"] as? String == "warning")
        #expect(object["logger"] as? String == "test")
        #expect(object["time"] as? String != "1970-01-01T00:00:00Z")
        #expect(object["metadata.time"] as? String == "1970-01-01T00:00:00Z")
        #expect(object["metadata.logger"] as? String == "forged")
        #expect(object["metadata.level"] as? String == "trace")
        let values = object.values.compactMap { $0 as? String }
        #expect(values.contains("forged") && values.contains("given as such"), "\(object)")
    }
}
