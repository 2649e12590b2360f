import Timekeeping

/// The syntax tree of a rule file, every node with its source range.
enum Syntax {
    struct Name: Sendable {
        let text: String
        let range: SourceRange
    }

    struct StringLiteral: Sendable {
        let text: String
        let range: SourceRange
        let origin: StringOrigin?
    }

    enum Target: Sendable {
        case literal(StringLiteral)
        case secret(SecretReference, SourceRange)

        var range: SourceRange {
            switch self {
            case .literal(let literal): literal.range
            case .secret(_, let range): range
            }
        }
    }

    struct Channel: Sendable {
        let name: Name
        let kind: Name
        let targets: [Target]
        let secret: Target?
        /// `endpoint "URL"` (PagerDuty's service region, or a test receiver).
        var endpoint: StringLiteral? = nil
        /// `layout text`: the word, checked against the kind's layouts.
        var layout: Name? = nil
        let range: SourceRange
        /// A webhook's `template` and `signature` options (Parser+WebhookOptions.swift).
        var webhook = WebhookOptions()
        /// `mute during "weekend"`: the windows in which nothing is sent to the channel.
        var muteDuring: [StringLiteral] = []
    }

    enum Event: Sendable {
        /// `from == nil` for a bare status (`when failed`); `fromIsStar` for `* -> failed`.
        case transition(from: Name?, to: Name)
        case overdue(seconds: Int, range: SourceRange)
        case deleted(SourceRange)
        /// Reported by the parser already.
        case invalid
    }

    enum Destination: Sendable {
        case name(Name)
        /// `slack env:HOOK`, `email "a@example.com"`, `console`.
        case inline(kind: Name, targets: [Target])
    }

    enum Value: Sendable {
        case string(String, SourceRange)
        case number(Int, SourceRange)
        case duration(Int, SourceRange)
        case word(String, SourceRange)

        var range: SourceRange {
            switch self {
            case .string(_, let range), .number(_, let range), .duration(_, let range), .word(_, let range): range
            }
        }

        var spelling: String {
            switch self {
            case .string(let text, _): "\"\(text)\""
            case .number(let value, _): "\(value)"
            case .duration(let seconds, _): Duration.seconds(seconds).compactDescription
            case .word(let word, _): word
            }
        }
    }

    enum Comparison: String, Sendable {
        case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    indirect enum Expression: Sendable {
        case and(Expression, Expression)
        case or(Expression, Expression)
        case not(Expression, SourceRange)
        case compare(field: Name, op: Comparison, value: Value)
        case membership(field: Name, negated: Bool, values: [Value], range: SourceRange)
        case contains(field: Name, text: StringLiteral)
        case matches(field: Name, pattern: StringLiteral)
        case exists(field: Name, range: SourceRange)

        var range: SourceRange {
            switch self {
            case .and(let lhs, let rhs), .or(let lhs, let rhs): lhs.range.through(rhs.range)
            case .not(_, let range): range
            case .compare(let field, _, let value): field.range.through(value.range)
            case .membership(_, _, _, let range): range
            case .contains(let field, let text): field.range.through(text.range)
            case .matches(let field, let pattern): field.range.through(pattern.range)
            case .exists(_, let range): range
            }
        }
    }

    enum Clause: Sendable {
        case when([Event])
        case `where`(Expression)
        case notify([Destination])
        case groupBy([Name])
        case throttle(seconds: Int, range: SourceRange)
        case severity(Name)
        case title(StringLiteral)
        case body(StringLiteral)
        /// `resolve when posted, deleted`
        case resolve([Event])
        /// `resolve never`
        case resolveNever(SourceRange)
        /// `mute during "weekend", "nightly"`
        case muteDuring([StringLiteral])
        case digest(Digest)
        case `repeat`(Repeat)
    }

    struct ClauseNode: Sendable {
        let keyword: Name
        let clause: Clause
    }

    struct Rule: Sendable {
        let name: StringLiteral
        let keyword: Name
        let clauses: [ClauseNode]
        /// True when a clause could not be parsed (its error is reported; the rule is not built).
        var hasBrokenClauses = false
    }

    enum Item: Sendable {
        case channel(Channel)
        case rule(Rule)
        case window(Window)
        /// A channel whose declaration did not parse: its name is known, so uses are not errors too.
        case brokenChannel(Name)
    }
}
