import Timekeeping

/// A lexical token of a rule file.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        /// A `"…"` or `"""…"""` string, escapes resolved and (for `"""`) indentation removed.
        case string(String)
        case number(Int)
        /// A duration literal (`90s`, `1h30m`), in seconds.
        case duration(Int)
        /// `env:NAME` or `file:PATH`.
        case secret(SecretReference)
        /// `22:00`, as written (the parser says when it is no time of day, like `25:00`).
        case timeOfDay(hour: Int, minute: Int)
        /// `2026-12-24`, as written (the parser checks it is a day of the calendar).
        case date(year: Int, month: Int, day: Int)
        case arrow, comma, star, dash, leftParen, rightParen, leftBrace, rightBrace
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case newline
        case end
    }

    let kind: Kind
    let range: SourceRange
    /// For strings: where each scalar of the text was written (so that a template error is
    /// reported at its place in the file).
    var stringOrigin: StringOrigin? = nil

    var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    func isIdentifier(_ word: String) -> Bool { identifier == word }

    /// How the token reads in a message: `'where'`, `a string`, `end of line`.
    var spelling: String {
        switch kind {
        case .identifier(let name): "'\(name)'"
        case .string: "a string"
        case .number(let value): "'\(value)'"
        case .duration(let seconds): "'\(Duration.seconds(seconds).compactDescription)'"
        case .secret(let reference): "'\(reference)'"
        case .timeOfDay(let hour, let minute): "'\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)'"
        case .date(let year, let month, let day): "'\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)'"
        case .arrow: "'->'"
        case .dash: "'-'"
        case .comma: "','"
        case .star: "'*'"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .equal: "'='"
        case .notEqual: "'!='"
        case .less: "'<'"
        case .lessEqual: "'<='"
        case .greater: "'>'"
        case .greaterEqual: "'>='"
        case .newline: "end of line"
        case .end: "end of file"
        }
    }
}

/// Where a string literal's content starts in the file.
struct StringOrigin: Sendable {
    /// Where each Unicode scalar of the string's text was written in the file (an escape such as
    /// `\n` at its backslash; a `"""` string's removed indentation skipped), then one more entry
    /// for the end: so that a position inside a template, however the text was spelled, points
    /// at the file as written.
    let positions: [Position]

    struct Position: Sendable, Hashable {
        let line: Int
        let column: Int
    }

    /// The file position of the scalar at `offset` in the text (the end for an offset past it).
    func position(atScalar offset: Int) -> Position {
        positions[max(0, min(offset, positions.count - 1))]
    }
}

/// A secret written in a rule file: the name of a variable or file, never its value.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }
}

