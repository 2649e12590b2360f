/// A recursive-descent parser for rule files (grammar: docs/rules.md).
///
/// It never stops at the first error: a broken clause is skipped to the end of its line and
/// parsing goes on, so one run reports every problem.
struct Parser {
    struct Abort: Error {}

    static let clauseKeywords = [
        "when", "where", "notify", "group", "throttle", "severity", "title", "body", "resolve", "mute", "digest", "repeat",
    ]
    static let topLevelKeywords = ["channel", "rule", "window"]
    /// The words a channel declaration may have after its targets.
    static let channelOptions = ["secret", "layout", "endpoint", "mute"] + webhookOptionWords
    static let maximumErrors = 50

    let source: SourceFile
    let tokens: [Token]
    var position = 0
    var diagnostics: [Diagnostic] = []
    /// Nesting and size of the condition being parsed: bounded so that no input can exhaust the stack.
    var nesting = 0
    var connectives = 0
    static let maximumNesting = 32
    static let maximumConnectives = 256

    /// The name of the channel being parsed, kept when its declaration fails.
    var channelName: Syntax.Name?

    init(source: SourceFile, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    /// Lexes and parses a whole file.
    static func parse(_ source: SourceFile) -> (items: [Syntax.Item], diagnostics: [Diagnostic]) {
        let (tokens, lexDiagnostics) = Lexer.tokenize(source)
        var parser = Parser(source: source, tokens: tokens)
        parser.diagnostics = lexDiagnostics
        let items = parser.parseFile()
        return (items, parser.diagnostics)
    }

    // MARK: - Token access

    var current: Token { tokens[min(position, tokens.count - 1)] }
    func peek(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }
    var atEnd: Bool { current.kind == .end }
    private var tooManyErrors: Bool { diagnostics.count >= Self.maximumErrors }

    @discardableResult
    mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func skipNewlines() {
        while current.kind == .newline { advance() }
    }

    mutating func error(_ message: String, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        diagnostics.append(source.diagnostic(.error, message, at: range, notes: notes))
    }

    /// Records an error at the current token and unwinds to the clause being parsed.
    mutating func fail(_ message: String, at range: SourceRange? = nil) throws(Abort) -> Never {
        error(message, at: range ?? current.range)
        throw Abort()
    }

    /// Skips the rest of a broken line, stopping before a `}` that may close the rule.
    mutating func skipLine() {
        while !atEnd, current.kind != .newline, current.kind != .rightBrace { advance() }
    }

    mutating func expectIdentifier(_ what: String) throws(Abort) -> Syntax.Name {
        guard case .identifier(let text) = current.kind else {
            try fail("expected \(what), found \(current.spelling)")
        }
        return Syntax.Name(text: text, range: advance().range)
    }

    mutating func expectLineEnd(after what: String) throws(Abort) {
        switch current.kind {
        case .newline, .end, .rightBrace: return
        default: try fail("unexpected \(current.spelling) after \(what); put one clause per line")
        }
    }

    // MARK: - File

    mutating func parseFile() -> [Syntax.Item] {
        var items: [Syntax.Item] = []
        while true {
            skipNewlines()
            if atEnd { break }
            if tooManyErrors {
                error("too many errors in this file; stopping here", at: current.range)
                break
            }
            switch current.identifier {
            case "channel":
                channelName = nil
                do throws(Abort) {
                    items.append(.channel(try parseChannel()))
                } catch {
                    if let channelName { items.append(.brokenChannel(channelName)) }
                    skipLine()
                }
            case "rule":
                if let rule = parseRule() { items.append(.rule(rule)) }
            case "window":
                if let window = parseWindow() { items.append(.window(window)) }
            default:
                var message = "expected 'channel', 'rule' or 'window', found \(current.spelling)"
                if let word = current.identifier {
                    if let guess = Suggestion.closest(to: word, in: Self.topLevelKeywords) {
                        message += "; did you mean '\(guess)'?"
                    } else if Self.clauseKeywords.contains(word) {
                        message = "'\(word)' belongs inside a rule: rule \"Name\" { \(word) … }"
                    }
                }
                error(message, at: current.range)
                skipStrayLine()
            }
        }
        return items
    }

    /// After garbage at the top level, skips the line, and a whole `{ … }` block if one opens there.
    private mutating func skipStrayLine() {
        var depth = 0
        while !atEnd {
            switch current.kind {
            case .leftBrace: depth += 1
            case .rightBrace: depth -= 1
            case .newline where depth <= 0: return
            default: break
            }
            advance()
            if depth < 0 { return }
        }
    }

    // MARK: - Channels

    /// `channel NAME = KIND target {, target} {option}`: options (`secret`, `layout`,
    /// PagerDuty's `endpoint`, a webhook's `template` and `signature`) in any order, each once.
    mutating func parseChannel() throws(Abort) -> Syntax.Channel {
        let keyword = advance()
        let name = try expectIdentifier("a channel name after 'channel'")
        channelName = name
        guard current.kind == .equal else {
            try fail("expected '=' after the channel name, as in: channel \(name.text) = slack env:OPS_SLACK_WEBHOOK, found \(current.spelling)")
        }
        advance()
        let kind = try expectIdentifier("a channel kind (slack, mattermost, discord, teams, ntfy, telegram, pagerduty, webhook, email or console)")
        var targets: [Syntax.Target] = []
        if let first = try parseTarget(optional: true) {
            targets.append(first)
            while current.kind == .comma {
                advance()
                skipNewlines()
                if let next = try parseTarget(optional: false) { targets.append(next) }
            }
        }
        // Options follow the targets, in any order, each once: `WORD value`.
        var endpoint: Syntax.StringLiteral?
        var secret: Syntax.Target?
        var layout: Syntax.Name?
        var webhook = Syntax.WebhookOptions()
        var muteDuring: [Syntax.StringLiteral]?
        while let word = current.identifier {
            if try parseWebhookOption(into: &webhook) { continue }
            let wordToken = advance()
            switch word {
            case "secret" where secret == nil:
                guard case .secret(let reference) = current.kind else {
                    if case .string = current.kind {
                        try fail("a webhook secret cannot be written in a rule file: use env:NAME or file:PATH")
                    }
                    try fail("expected env:NAME or file:PATH after 'secret', found \(current.spelling)", at: current.kind == .newline ? wordToken.range : nil)
                }
                secret = .secret(reference, advance().range)
            case "layout" where layout == nil:
                layout = try expectIdentifier("a layout after 'layout' (blocks, attachments or text)")
            case "endpoint" where endpoint == nil:
                guard case .string(let text) = current.kind else {
                    try fail("expected the endpoint URL in quotes after 'endpoint', as in: endpoint \"https://events.eu.pagerduty.com/v2/enqueue\"")
                }
                let token = advance()
                endpoint = Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin)
            case "mute" where muteDuring == nil:
                muteDuring = try parseMuteDuring()
            case "secret", "layout", "endpoint", "mute":
                try fail("this channel already has \(word == "endpoint" ? "an" : "a") '\(word)'", at: wordToken.range)
            default:
                let guess = Suggestion.closest(to: word, in: Self.channelOptions).map { "; did you mean '\($0)'?" } ?? ""
                try fail("unknown channel option '\(word)'\(guess)", at: wordToken.range)
            }
        }
        let end = tokens[max(0, position - 1)].range
        try expectLineEnd(after: "the channel declaration")
        var channel = Syntax.Channel(
            name: name, kind: kind, targets: targets, secret: secret, endpoint: endpoint, layout: layout, range: keyword.range.through(end))
        channel.webhook = webhook
        channel.muteDuring = muteDuring ?? []
        return channel
    }

    mutating func parseTarget(optional: Bool) throws(Abort) -> Syntax.Target? {
        switch current.kind {
        case .string(let text):
            let token = advance()
            return .literal(Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin))
        case .secret(let reference):
            return .secret(reference, advance().range)
        default:
            if optional { return nil }
            try fail("expected a target (a \"string\", env:NAME or file:PATH), found \(current.spelling)")
        }
    }
}
