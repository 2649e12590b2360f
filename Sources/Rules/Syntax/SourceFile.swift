/// The text of one rule file, split into lines so diagnostics can quote them.
struct SourceFile: Sendable {
    let name: String
    let text: String
    let lines: [Substring]

    init(name: String, text: String) {
        self.name = name
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: name, line: line, column: column)
    }

    func line(_ number: Int) -> String {
        guard number >= 1, number <= lines.count else { return "" }
        var line = lines[number - 1]
        if line.hasSuffix("\r") { line = line.dropLast() }
        return String(line)
    }

    func diagnostic(_ level: Diagnostic.Level, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = []) -> Diagnostic {
        Diagnostic(level: level, message: message, range: range, notes: notes, sourceLine: line(range.start.line))
    }
}
