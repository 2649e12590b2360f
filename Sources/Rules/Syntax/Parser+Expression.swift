/// Conditions: `or` binds loosest, then `and`, then `not`; parentheses group.
extension Parser {
    static let operatorHelp = "=, !=, <, <=, >, >=, in, not in, contains, matches or exists"

    mutating func parseExpression() throws(Abort) -> Syntax.Expression {
        var lhs = try parseAnd()
        while continues(with: "or") {
            try afterConnective()
            lhs = .or(lhs, try parseAnd())
        }
        return lhs
    }

    mutating func parseAnd() throws(Abort) -> Syntax.Expression {
        var lhs = try parseNot()
        while continues(with: "and") {
            try afterConnective()
            lhs = .and(lhs, try parseNot())
        }
        return lhs
    }

    /// True when the condition goes on with `word`, on this line or at the start of the next
    /// (`and`/`or` never start a clause, so a condition can be split before them).
    mutating func continues(with word: String) -> Bool {
        if current.isIdentifier(word) { return true }
        guard current.kind == .newline else { return false }
        var offset = 1
        while peek(offset).kind == .newline { offset += 1 }
        guard peek(offset).isIdentifier(word) else { return false }
        skipNewlines()
        return true
    }

    /// Consumes `and`/`or`/`not`; a line may end after it, but not the condition.
    mutating func afterConnective() throws(Abort) {
        connectives += 1
        if connectives > Self.maximumConnectives {
            try fail("this condition is too long (more than \(Self.maximumConnectives) 'and'/'or'/'not'); split it into several rules")
        }
        let word = advance()
        guard current.kind == .newline else { return }
        var offset = 1
        while peek(offset).kind == .newline { offset += 1 }
        let next = peek(offset)
        if next.kind == .rightBrace || next.kind == .end || (next.identifier.map(Parser.clauseKeywords.contains) ?? false) {
            try fail("the condition ends with \(word.spelling): add a condition after it, or remove it", at: word.range)
        }
        skipNewlines()
    }

    mutating func parseNot() throws(Abort) -> Syntax.Expression {
        guard current.isIdentifier("not") else { return try parsePrimary() }
        let keyword = current
        try afterConnective()
        let inner = try parseNot()
        return .not(inner, keyword.range.through(inner.range))
    }

    mutating func parsePrimary() throws(Abort) -> Syntax.Expression {
        if current.kind == .leftParen {
            nesting += 1
            defer { nesting -= 1 }
            if nesting > Self.maximumNesting {
                try fail("parentheses nested too deeply (more than \(Self.maximumNesting) levels)")
            }
            let open = advance()
            skipNewlines()
            let inner = try parseExpression()
            if current.kind == .newline, nextAfterNewlines().kind == .rightParen { skipNewlines() }
            guard current.kind == .rightParen else {
                error(
                    current.kind == .newline ? "missing ')' at the end of the condition" : "expected ')', 'and' or 'or', found \(current.spelling)",
                    at: current.range,
                    notes: [Diagnostic.Note(message: "to match this '('", range: open.range)])
                throw Abort()
            }
            advance()
            return inner
        }
        guard case .identifier(let word) = current.kind else {
            try fail("expected a condition like platform = tiktok, found \(current.spelling)")
        }
        if Parser.clauseKeywords.contains(word) || word == "and" || word == "or" {
            try fail("expected a condition like platform = tiktok, found '\(word)'")
        }
        let field = Syntax.Name(text: word, range: advance().range)
        switch current.kind {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            let op = comparison(current.kind)
            advance()
            let value = try parseValue(after: op.rawValue)
            if current.kind == .comma, op == .equal || op == .notEqual {
                try fail("to compare with several values, write: \(word) \(op == .equal ? "in" : "not in") (\(value.spelling), …)")
            }
            return .compare(field: field, op: op, value: value)
        case .identifier(let keyword):
            switch keyword {
            case "in":
                advance()
                let (values, end) = try parseValueList()
                return .membership(field: field, negated: false, values: values, range: field.range.through(end))
            case "not":
                advance()
                guard current.isIdentifier("in") else {
                    try fail("expected 'in' after '\(word) not' (\(word) not in (…)); to negate a condition, put 'not' first")
                }
                advance()
                let (values, end) = try parseValueList()
                return .membership(field: field, negated: true, values: values, range: field.range.through(end))
            case "contains", "matches":
                advance()
                guard case .string(let text) = current.kind else {
                    try fail("expected a \"string\" after '\(keyword)', found \(current.spelling)")
                }
                let token = advance()
                let literal = Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin)
                return keyword == "contains" ? .contains(field: field, text: literal) : .matches(field: field, pattern: literal)
            case "exists":
                return .exists(field: field, range: field.range.through(advance().range))
            default:
                let operators = ["in", "contains", "matches", "exists"]
                if let guess = Suggestion.closest(to: keyword, in: operators) {
                    try fail("unknown operator '\(keyword)'; did you mean '\(guess)'?")
                }
                if keyword == "is" { try fail("use '=' to compare: \(word) = …") }
                try fail("expected an operator after '\(word)' (\(Self.operatorHelp)), found '\(keyword)'")
            }
        default:
            try fail("expected an operator after '\(word)' (\(Self.operatorHelp)), found \(current.spelling)")
        }
    }

    func nextAfterNewlines() -> Token {
        var offset = 0
        while peek(offset).kind == .newline { offset += 1 }
        return peek(offset)
    }

    private func comparison(_ kind: Token.Kind) -> Syntax.Comparison {
        switch kind {
        case .notEqual: .notEqual
        case .less: .less
        case .lessEqual: .lessEqual
        case .greater: .greater
        case .greaterEqual: .greaterEqual
        default: .equal
        }
    }

    mutating func parseValue(after what: String) throws(Abort) -> Syntax.Value {
        let token = current
        switch token.kind {
        case .string(let text): advance(); return .string(text, token.range)
        case .number(let value): advance(); return .number(value, token.range)
        case .duration(let seconds): advance(); return .duration(seconds, token.range)
        case .identifier(let word) where !["and", "or", "not"].contains(word): advance(); return .word(word, token.range)
        default: try fail("expected a value after '\(what)', found \(token.spelling)")
        }
    }

    /// `( value {, value} )`, possibly over several lines.
    mutating func parseValueList() throws(Abort) -> ([Syntax.Value], SourceRange) {
        guard current.kind == .leftParen else {
            try fail("expected '(' to start the list, as in: platform in (tiktok, instagram)")
        }
        let open = advance()
        skipNewlines()
        if current.kind == .rightParen { try fail("the list is empty", at: open.range.through(current.range)) }
        var values: [Syntax.Value] = []
        while true {
            values.append(try parseValue(after: values.isEmpty ? "(" : ","))
            if current.kind == .newline, [.comma, .rightParen].contains(nextAfterNewlines().kind) { skipNewlines() }
            if current.kind == .comma {
                advance()
                skipNewlines()
                continue
            }
            guard current.kind == .rightParen else {
                error(
                    current.kind == .newline ? "missing ')' at the end of the list" : "expected ',' or ')' in the list, found \(current.spelling)",
                    at: current.range,
                    notes: [Diagnostic.Note(message: "the list starts here", range: open.range)])
                throw Abort()
            }
            return (values, advance().range)
        }
    }
}
