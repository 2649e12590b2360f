/// A position in a rule file: 1-based line and column (columns count Unicode scalars).
///
/// `line == 0` means the file as a whole (for example a file that cannot be read).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or just `file` for a whole-file location.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// A span of a rule file; `end` is exclusive (the column after the last character).
public struct SourceRange: Sendable, Hashable {
    public let start: SourceLocation
    public let end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// A range covering `self` up to the end of `other`.
    func through(_ other: SourceRange) -> SourceRange {
        SourceRange(start: start, end: other.end)
    }

    static func wholeFile(_ file: String) -> SourceRange {
        let location = SourceLocation(file: file, line: 0, column: 0)
        return SourceRange(start: location, end: location)
    }
}
