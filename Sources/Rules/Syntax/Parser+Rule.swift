extension Parser {
    /// `rule "Name" { clause… }`; returns nil only when not even the name could be read.
    mutating func parseRule() -> Syntax.Rule? {
        guard let block = parseBlock("rule", example: "Failed posts", clause: { (p: inout Parser) throws(Abort) in try p.parseClause() })
        else { return nil }
        var rule = Syntax.Rule(name: block.name, keyword: block.keyword, clauses: block.clauses)
        // A rule without its '{' is not marked broken: its checks ("no 'when' clause") still say more.
        rule.hasBrokenClauses = block.broken ?? false
        return rule
    }

    /// `KEYWORD "Name" { clause… }`, the shape of a rule and of a window: the name (in quotes;
    /// a bare word is reported and taken), then clauses read by `clause` until `}`, one per
    /// line, a clause that fails skipped to the end of its line. `broken` says a clause had an
    /// error (or, with `unclosedIsBroken`, that the block never closed); it is nil when there
    /// was no `{` at all. Nil only when not even the name could be read.
    mutating func parseBlock<Clause>(
        _ word: String, example: String, unclosedIsBroken: Bool = false, clause: (inout Parser) throws(Abort) -> Clause
    ) -> (keyword: Syntax.Name, name: Syntax.StringLiteral, clauses: [Clause], broken: Bool?)? {
        let keywordToken = advance()
        let keyword = Syntax.Name(text: word, range: keywordToken.range)
        let name: Syntax.StringLiteral
        switch current.kind {
        case .string(let text):
            let token = advance()
            name = Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin)
            if text.allSatisfy(\.isWhitespace) {
                error("a \(word) name cannot be empty", at: token.range)
            }
        case .identifier(let text):
            let token = advance()
            error("\(word) names are written in quotes: \(word) \"\(text)\" {", at: token.range)
            name = Syntax.StringLiteral(text: text, range: token.range, origin: nil)
        default:
            error("expected the \(word)'s name in quotes after '\(word)', as in: \(word) \"\(example)\" {", at: current.range)
            skipLine()
            return nil
        }
        skipNewlines()
        guard current.kind == .leftBrace else {
            error("expected '{' after the \(word) name, found \(current.spelling)", at: current.range)
            skipLine()
            return (keyword, name, [], nil)
        }
        let open = advance()
        var clauses: [Clause] = []
        var broken = false
        while true {
            skipNewlines()
            if current.kind == .rightBrace {
                advance()
                if !(current.kind == .newline || current.kind == .end) {
                    error("unexpected \(current.spelling) after '}'; start a new line", at: current.range)
                    skipLine()
                }
                break
            }
            if atEnd || Self.topLevelKeywords.contains(current.identifier ?? "") {
                error(
                    "\(word) \"\(name.text)\" is missing its closing '}'",
                    at: open.range,
                    notes: atEnd ? [] : [Diagnostic.Note(message: "the next declaration starts here", range: current.range)])
                if unclosedIsBroken { broken = true }
                break
            }
            if diagnostics.count >= Self.maximumErrors { break }
            let errorsBefore = diagnostics.count
            do throws(Abort) {
                clauses.append(try clause(&self))
            } catch {
                skipLine()
            }
            if diagnostics.count > errorsBefore { broken = true }
        }
        return (keyword, name, clauses, broken)
    }

    mutating func parseClause() throws(Abort) -> Syntax.ClauseNode {
        guard case .identifier(let word) = current.kind else {
            try fail("expected a clause (\(Self.clauseKeywords.joined(separator: ", "))) or '}', found \(current.spelling)")
        }
        let keyword = Syntax.Name(text: word, range: current.range)
        let clause: Syntax.Clause
        switch word {
        case "when":
            advance()
            clause = .when(try parseList { (p: inout Parser) throws(Abort) in try p.parseEvent() })
        case "where":
            advance()
            nesting = 0
            connectives = 0
            clause = .where(try parseExpression())
        case "notify":
            advance()
            clause = .notify(try parseList { (p: inout Parser) throws(Abort) in try p.parseDestination() })
        case "group":
            advance()
            guard current.isIdentifier("by") else { try fail("expected 'by' after 'group', as in: group by accountId") }
            advance()
            clause = .groupBy(try parseList { (p: inout Parser) throws(Abort) in try p.expectIdentifier("a field name") })
        case "throttle":
            advance()
            switch current.kind {
            case .duration(let seconds): clause = .throttle(seconds: seconds, range: advance().range)
            case .number(let value): try fail("a duration needs a unit: throttle \(value)m, \(value)s or \(value)h")
            default: try fail("expected a duration after 'throttle', like 15m, found \(current.spelling)")
            }
        case "severity":
            advance()
            clause = .severity(try expectIdentifier("critical, warning or info after 'severity'"))
        case "title", "body":
            advance()
            guard case .string(let text) = current.kind else {
                try fail("expected a \"string\" or \"\"\"…\"\"\" template after '\(word)', found \(current.spelling)")
            }
            let token = advance()
            let literal = Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin)
            clause = word == "title" ? .title(literal) : .body(literal)
        case "resolve":
            advance()
            clause = try parseResolve()
        case "mute":
            advance()
            clause = .muteDuring(try parseMuteDuring())
        case "digest":
            advance()
            clause = .digest(try parseDigest())
        case "repeat":
            advance()
            clause = .repeat(try parseRepeat())
        default:
            if let guess = Suggestion.closest(to: word, in: Self.clauseKeywords) {
                try fail("unknown clause '\(word)'; did you mean '\(guess)'?")
            }
            if Field.named(word) != nil {
                try fail("a condition starts with 'where': where \(word) …")
            }
            try fail("unknown clause '\(word)'; a rule holds \(Self.clauseKeywords.map { "'\($0)'" }.joined(separator: ", "))")
        }
        if (word == "when" || word == "notify" || word == "group" || word == "resolve"), current.isIdentifier("or") || current.isIdentifier("and") {
            try fail("separate the items of '\(word)' with commas, as in: \(word == "when" ? "when failed, posted" : word == "resolve" ? "resolve when posted, deleted" : word == "notify" ? "notify ops, team" : "group by accountId, platform")")
        }
        try expectLineEnd(after: "the '\(word)' clause")
        return Syntax.ClauseNode(keyword: keyword, clause: clause)
    }

    /// After `resolve`: `when EVENT {, EVENT}` or `never`.
    mutating func parseResolve() throws(Abort) -> Syntax.Clause {
        let help = "as in: resolve when posted, deleted (or: resolve never)"
        guard case .identifier(let word) = current.kind else {
            try fail("expected 'when' or 'never' after 'resolve', \(help)")
        }
        switch word {
        case "when":
            advance()
            return .resolve(try parseList { (p: inout Parser) throws(Abort) in try p.parseEvent() })
        case "never":
            return .resolveNever(advance().range)
        default:
            if let guess = Suggestion.closest(to: word, in: ["when", "never"]) {
                try fail("expected 'when' or 'never' after 'resolve'; did you mean '\(guess)'?")
            }
            try fail("expected 'when' or 'never' after 'resolve', \(help)")
        }
    }

    /// `item {, item}`; a line may end after a comma.
    mutating func parseList<Element>(_ item: (inout Parser) throws(Abort) -> Element) throws(Abort) -> [Element] {
        var elements = [try item(&self)]
        while current.kind == .comma {
            advance()
            skipNewlines()
            elements.append(try item(&self))
        }
        return elements
    }

    /// `STATUS | FROM -> STATUS | overdue DURATION | deleted`
    mutating func parseEvent() throws(Abort) -> Syntax.Event {
        let eventHelp = "a status like failed, a transition like generated -> posted, overdue 30m or deleted"
        if current.kind == .star {
            let star = advance()
            guard current.kind == .arrow else { try fail("'*' stands for any status before '->': when * -> failed") }
            advance()
            let to = try expectIdentifier("a status after '->'")
            return .transition(from: Syntax.Name(text: "*", range: star.range), to: to)
        }
        guard case .identifier(let word) = current.kind else {
            try fail("expected an event after 'when' (\(eventHelp)), found \(current.spelling)")
        }
        if word == "overdue", peek().kind != .arrow {
            let keyword = advance()
            switch current.kind {
            case .duration(let seconds):
                return .overdue(seconds: seconds, range: keyword.range.through(advance().range))
            case .number(let value):
                try fail("a duration needs a unit: overdue \(value)m")
            default:
                error("'overdue' needs a duration, as in: when overdue 30m", at: keyword.range)
                return .invalid
            }
        }
        if word == "deleted", peek().kind != .arrow {
            return .deleted(advance().range)
        }
        let first = Syntax.Name(text: word, range: advance().range)
        guard current.kind == .arrow else { return .transition(from: nil, to: first) }
        advance()
        let to = try expectIdentifier("a status after '->'")
        return .transition(from: first, to: to)
    }

    /// `NAME | KIND target`
    mutating func parseDestination() throws(Abort) -> Syntax.Destination {
        let name = try expectIdentifier("a channel name after 'notify'")
        switch current.kind {
        case .string, .secret:
            if let target = try parseTarget(optional: false) {
                return .inline(kind: name, targets: [target])
            }
            return .name(name)
        default:
            return .name(name)
        }
    }
}

import Foundation
