import Foundation
import Timekeeping

/// Turns a rule file into tokens; problems become diagnostics and lexing goes on.
struct Lexer {
    private let source: SourceFile
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private(set) var tokens: [Token] = []
    private(set) var diagnostics: [Diagnostic] = []

    init(_ source: SourceFile) {
        self.source = source
        self.scalars = Array(source.text.unicodeScalars)
    }

    static func tokenize(_ source: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(source)
        lexer.run()
        return (lexer.tokens, lexer.diagnostics)
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
    private func peek(_ offset: Int = 1) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }
    /// The source text of a range of scalars, built in one go (appending scalar by scalar is slow).
    private func text(_ range: Range<Int>) -> String {
        // Names and most strings are ASCII: write their bytes directly.
        if scalars[range].allSatisfy(\.isASCII) {
            return String(unsafeUninitializedCapacity: range.count) { buffer in
                for (offset, scalar) in scalars[range].enumerated() { buffer[offset] = UInt8(truncatingIfNeeded: scalar.value) }
                return range.count
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    private var here: SourceLocation { source.location(line: line, column: column) }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func add(_ kind: Token.Kind, from start: SourceLocation, origin: StringOrigin? = nil) {
        tokens.append(Token(kind: kind, range: SourceRange(start: start, end: here), stringOrigin: origin))
    }

    private mutating func error(_ message: String, from start: SourceLocation, to end: SourceLocation? = nil) {
        let range = SourceRange(start: start, end: end ?? here)
        diagnostics.append(source.diagnostic(.error, message, at: range))
    }

    private mutating func run() {
        while let scalar = current {
            let start = here
            switch scalar {
            case " ", "\t", "\r":
                advance()
            case "\n":
                advance()
                add(.newline, from: start)
            case "#":
                while let next = current, next != "\n" { advance() }
            case "\"":
                lexString()
            case "0"..."9":
                lexNumberOrDuration()
            case "a"..."z", "A"..."Z", "_":
                lexWord()
            default:
                lexPunctuation(scalar, start: start)
            }
        }
        add(.end, from: here)
    }

    private mutating func lexPunctuation(_ scalar: Unicode.Scalar, start: SourceLocation) {
        advance()
        let next = current
        func take(_ kind: Token.Kind) {
            advance()
            add(kind, from: start)
        }
        switch (scalar, next) {
        case ("-", ">"): take(.arrow)
        case ("!", "="): take(.notEqual)
        case ("<", "="): take(.lessEqual)
        case (">", "="): take(.greaterEqual)
        case ("=", "="):
            advance()
            error("'==' is written '=' in rules", from: start)
            add(.equal, from: start)
        case ("&", "&"):
            advance()
            error("'&&' is written 'and' in rules", from: start)
            add(.identifier("and"), from: start)
        case ("|", "|"):
            advance()
            error("'||' is written 'or' in rules", from: start)
            add(.identifier("or"), from: start)
        case (";", _):
            // Read as a line break so the rest of the line still parses.
            error("rules put one clause per line; ';' is not needed", from: start)
            add(.newline, from: start)
        case (",", _): add(.comma, from: start)
        // `22:00-07:00`, `mon-fri` spaced out, `on day -1`: the parser says where it is wrong.
        case ("-", _): add(.dash, from: start)
        case ("*", _): add(.star, from: start)
        case ("(", _): add(.leftParen, from: start)
        case (")", _): add(.rightParen, from: start)
        case ("{", _): add(.leftBrace, from: start)
        case ("}", _): add(.rightBrace, from: start)
        case ("=", _): add(.equal, from: start)
        case ("<", _): add(.less, from: start)
        case (">", _): add(.greater, from: start)
        case ("!", _): error("unexpected '!'; write 'not', or '!=' to compare", from: start)
        case ("'", _):
            // Read the single-quoted run as a string so it gives one error, not one per word.
            var text = ""
            while let c = current, c != "'", c != "\n" {
                text.unicodeScalars.append(c)
                advance()
            }
            if current == "'" { advance() }
            error("strings are written in double quotes (\"…\")", from: start)
            add(.string(text), from: start)
        case ("“", _), ("”", _):
            error("typographic quote; strings are written in plain double quotes (\"…\")", from: start)
        default:
            let shown = scalar.properties.isWhitespace || scalar.value < 0x20
                ? "U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
            error("unexpected character \(shown)", from: start)
        }
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_": true
        default: false
        }
    }

    private mutating func lexWord() {
        let start = here
        let first = index
        while let scalar = current {
            if Self.isWordScalar(scalar) {
                advance()
            } else if scalar == "-" || scalar == "/", let next = peek(), Self.isWordScalar(next) {
                // `ops-team` is a name; `new->failed` is an arrow; `Europe/Berlin` a timezone.
                advance()
            } else {
                break
            }
        }
        let word = text(first..<index)
        if (word == "env" || word == "file"), current == ":" {
            advance()
            lexSecret(word, start: start)
            return
        }
        add(.identifier(word), from: start)
    }

    private mutating func lexSecret(_ prefix: String, start: SourceLocation) {
        if prefix == "env" {
            var name = ""
            while let scalar = current, Self.isWordScalar(scalar) {
                name.unicodeScalars.append(scalar)
                advance()
            }
            if name.isEmpty {
                error("expected a variable name after 'env:' (like env:OPS_SLACK_WEBHOOK)", from: start)
            }
            add(.secret(.environment(name)), from: start)
            return
        }
        var path = ""
        if current == "\"" {
            let before = tokens.count
            lexString()
            if tokens.count > before, case .string(let text) = tokens.removeLast().kind { path = text }
        } else {
            while let scalar = current, !scalar.properties.isWhitespace, scalar != ",", scalar != "#" {
                path.unicodeScalars.append(scalar)
                advance()
            }
        }
        if path.isEmpty {
            error("expected a path after 'file:' (like file:/run/secrets/ops-hook)", from: start)
        }
        add(.secret(.file(path)), from: start)
    }

    /// `42`, or a duration: the command line's grammar (`DurationUnit`, `Duration(parsing:)`)
    /// restricted to whole seconds (no `ms`, no fractions), read here scalar by scalar so that
    /// every problem gets its own diagnostic at its column.
    private mutating func lexNumberOrDuration() {
        let start = here
        if lexTimeOrDate(start: start) { return }
        var seconds = 0
        var sawUnit = false
        var overflow = false
        while let scalar = current, ("0"..."9").contains(scalar) {
            var value = 0
            while let digit = current, ("0"..."9").contains(digit) {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int(digit.value - 48))
                overflow = overflow || o1 || o2
                value = plus
                advance()
            }
            guard let unit = current, unit.properties.isAlphabetic else {
                if sawUnit {
                    error("a duration needs a unit after every number (s, m, h or d)", from: start)
                    add(.duration(seconds), from: start)
                } else {
                    if overflow { error("number too large", from: start) }
                    add(.number(value), from: start)
                }
                return
            }
            var suffix = ""
            while let letter = current, letter.properties.isAlphabetic {
                suffix.unicodeScalars.append(letter)
                advance()
            }
            guard let size = DurationUnit(rawValue: suffix)?.seconds else {
                let hint = suffix == "ms" ? " (durations are whole seconds)" : ""
                error("'\(value)\(suffix)' is not a duration: use s, m, h or d, like 90s, 15m, 2h or 1h30m\(hint)", from: start)
                add(.duration(seconds), from: start)
                return
            }
            let (product, o3) = value.multipliedReportingOverflow(by: size)
            let (sum, o4) = seconds.addingReportingOverflow(product)
            overflow = overflow || o3 || o4
            seconds = sum
            sawUnit = true
        }
        if overflow || seconds > 10 * 365 * 86_400 {
            error("duration too long (at most 10 years)", from: start)
        }
        add(.duration(seconds), from: start)
    }

    /// `22:00` (one or two digits, a colon, two digits) or `2026-12-24`, as written; false,
    /// reading nothing, when the digits here are neither.
    private mutating func lexTimeOrDate(start: SourceLocation) -> Bool {
        func digits(at offset: Int) -> Int {
            var count = 0
            while let scalar = peek(offset + count), ("0"..."9").contains(scalar) { count += 1 }
            return count
        }
        func number(at offset: Int, count: Int) -> Int {
            (0..<count).reduce(0) { $0 * 10 + Int(scalars[index + offset + $1].value - 48) }
        }
        let lead = digits(at: 0)
        if (1...2).contains(lead), peek(lead) == ":", digits(at: lead + 1) == 2 {
            let (hour, minute) = (number(at: 0, count: lead), number(at: lead + 1, count: 2))
            for _ in 0..<(lead + 3) { advance() }
            add(.timeOfDay(hour: hour, minute: minute), from: start)
            return true
        }
        if lead == 4, peek(4) == "-", digits(at: 5) == 2, peek(7) == "-", digits(at: 8) == 2 {
            let (year, month, day) = (number(at: 0, count: 4), number(at: 5, count: 2), number(at: 8, count: 2))
            for _ in 0..<10 { advance() }
            add(.date(year: year, month: month, day: day), from: start)
            return true
        }
        return false
    }

    /// `"…"` on one line, or `"""` … `"""` over several (indentation of the closing `"""` removed).
    private mutating func lexString() {
        let start = here
        if peek() == "\"", peek(2) == "\"" {
            lexMultilineString(start: start)
            return
        }
        advance()
        var text = String.UnicodeScalarView()
        var positions: [StringOrigin.Position] = []
        while true {
            guard let scalar = current, scalar != "\n" else {
                error("unterminated string: add a closing '\"' on this line (or use \"\"\" for several lines)", from: start)
                var string = String(text)
                // `rule "Name {`: give the `{` back so the rule still opens.
                let trimmed = string.trimmingCharacters(in: .whitespaces)
                if trimmed.hasSuffix("{"), let brace = scalars[..<index].lastIndex(of: "{") {
                    column -= index - brace
                    index = brace
                    string = String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces)
                }
                positions.append(StringOrigin.Position(line: line, column: column))
                add(.string(string), from: start, origin: StringOrigin(positions: positions))
                return
            }
            if scalar == "\"" {
                positions.append(StringOrigin.Position(line: line, column: column))
                advance()
                break
            }
            positions.append(StringOrigin.Position(line: line, column: column))
            if scalar == "\\" {
                advance()
                text.append(lexEscape())
            } else {
                text.append(scalar)
                advance()
            }
        }
        add(.string(String(text)), from: start, origin: StringOrigin(positions: positions))
    }

    private mutating func lexEscape() -> Unicode.Scalar {
        let start = source.location(line: line, column: column - 1)
        guard let scalar = current, scalar != "\n" else { return "\\" }
        advance()
        switch scalar {
        case "n": return "\n"
        case "t": return "\t"
        case "\"", "\\": return scalar
        default:
            error("unknown escape '\\\(scalar)' (use \\n, \\t, \\\" or \\\\)", from: start)
            return scalar
        }
    }

    private mutating func lexMultilineString(start: SourceLocation) {
        advance(); advance(); advance()
        // Text on the opening line after `"""` is dropped only when it is blank.
        var probe = index
        while probe < scalars.count, scalars[probe] == " " || scalars[probe] == "\t" || scalars[probe] == "\r" { probe += 1 }
        if probe < scalars.count, scalars[probe] == "\n" {
            while index <= probe { advance() }
        }
        // Each scalar with where it was written, so positions survive the indentation cut.
        typealias Written = (scalar: Unicode.Scalar, position: StringOrigin.Position)
        var raw: [Written] = []
        var closed = false
        var end = StringOrigin.Position(line: line, column: column)
        while let scalar = current {
            let position = StringOrigin.Position(line: line, column: column)
            if scalar == "\"", peek() == "\"", peek(2) == "\"" {
                end = position
                advance(); advance(); advance()
                closed = true
                break
            }
            advance()
            raw.append((scalar == "\\" ? lexEscape() : scalar, position))
        }
        if !closed {
            end = StringOrigin.Position(line: line, column: column)
            error("unterminated \"\"\" string: it needs a closing \"\"\"", from: start, to: SourceLocation(file: start.file, line: start.line, column: start.column + 3))
        }
        var lines = raw.split(omittingEmptySubsequences: false) { $0.scalar == "\n" }.map(Array.init)
        // `split` dropped the newlines: keep each line's newline position to put it back.
        let newlines = raw.filter { $0.scalar == "\n" }.map(\.position)
        var indentation = 0
        // Like Swift: the closing delimiter's indentation is removed from every line.
        if let last = lines.last, last.allSatisfy({ $0.scalar == " " || $0.scalar == "\t" }), lines.count > 1 {
            indentation = last.count
            lines.removeLast()
            lines = lines.map { line in
                var cut = 0
                var rest = line[...]
                while cut < indentation, let first = rest.first, first.scalar == " " || first.scalar == "\t" {
                    rest = rest.dropFirst()
                    cut += 1
                }
                return Array(rest)
            }
        }
        var text = String.UnicodeScalarView()
        var positions: [StringOrigin.Position] = []
        for (number, line) in lines.enumerated() {
            if number > 0 {
                text.append("\n")
                positions.append(newlines[number - 1])
            }
            for written in line {
                text.append(written.scalar)
                positions.append(written.position)
            }
        }
        positions.append(end)
        add(.string(String(text)), from: start, origin: StringOrigin(positions: positions))
    }
}
