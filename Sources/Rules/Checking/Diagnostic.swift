/// A message about a rule file, printable like a compiler's:
///
/// ```
/// rules/ops.rules:4:20: error: unknown platform 'tiktoc'; did you mean 'tiktok'?
///   where platform = tiktoc
///                    ^~~~~~
/// ```
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Level: String, Sendable, Hashable, Codable {
        case error, warning
    }

    /// Extra information attached to a diagnostic, optionally at its own place.
    public struct Note: Sendable, Hashable {
        public let message: String
        public let range: SourceRange?
        public init(message: String, range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    public let level: Level
    public let message: String
    public let range: SourceRange
    public let notes: [Note]
    /// The text of the line the diagnostic points at (empty for a whole-file diagnostic).
    public let sourceLine: String

    public init(level: Level, message: String, range: SourceRange, notes: [Note] = [], sourceLine: String = "") {
        self.level = level
        self.message = message
        self.range = range
        self.notes = notes
        self.sourceLine = sourceLine
    }

    public var location: SourceLocation { range.start }
    public var isError: Bool { level == .error }

    /// The compiler-style text: header, source line, caret and tildes, then notes.
    public var description: String {
        var text = "\(range.start): \(level.rawValue): \(message)"
        if range.start.line > 0, !sourceLine.isEmpty {
            text += "\n" + Self.excerpt(line: sourceLine, range: range)
        }
        for note in notes {
            if let where_ = note.range {
                text += "\n\(where_.start): note: \(note.message)"
            } else {
                text += "\n    note: \(note.message)"
            }
        }
        return text
    }

    /// The source line and a marker line under it (`^` at the start, `~` for the rest of the range).
    static func excerpt(line: String, range: SourceRange) -> String {
        let scalars = Array(line.unicodeScalars)
        let start = max(1, range.start.column)
        let lastColumn = range.end.line == range.start.line ? range.end.column : scalars.count + 1
        let width = max(1, min(lastColumn, scalars.count + 1) - start)
        var marker = ""
        // Keep tabs so the caret lines up under a tab-indented line.
        for index in 0..<(start - 1) {
            marker.append(index < scalars.count && scalars[index] == "\t" ? "\t" : " ")
        }
        marker += "^" + String(repeating: "~", count: width - 1)
        return line + "\n" + marker
    }
}
