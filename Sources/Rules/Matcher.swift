/// A condition on its own, in the `where` syntax: what a silence mutes
/// (`postwatch silence add 'accountId = "acc_1" and platform = tiktok'`, docs/silences.md;
/// Notify's `SilenceGate` evaluates it).
///
/// Parsed and checked exactly as a rule's `where` is (the same fields, types, did-you-mean and
/// line:column diagnostics, the file name being `name`), so a matcher that `rules lint` would
/// refuse inside a rule is refused here with the same words.
public struct Matcher: Sendable, CustomStringConvertible {
    /// The condition as written.
    public let text: String
    let predicate: Predicate

    /// - Parameter name: what diagnostics call the text (`--matcher`, `silence 12`).
    public init(_ text: String, name: String = "matcher") throws(RuleLoadError) {
        let file = SourceFile(name: name, text: text)
        let (tokens, lexDiagnostics) = Lexer.tokenize(file)
        var parser = Parser(source: file, tokens: tokens)
        parser.diagnostics = lexDiagnostics
        parser.skipNewlines()
        var expression: Syntax.Expression?
        if parser.atEnd {
            parser.error("expected a condition such as: accountId = \"acc_1\" and platform = tiktok", at: parser.current.range)
        } else {
            expression = try? parser.parseExpression()
            parser.skipNewlines()
            if expression != nil, !parser.atEnd {
                parser.error("unexpected \(parser.current.spelling) after the condition", at: parser.current.range)
            }
        }
        var checker = Checker(environment: [:])
        checker.files[name] = file
        let predicate = expression.flatMap { checker.compile($0) }
        let diagnostics = parser.diagnostics + checker.diagnostics
        guard let predicate, !diagnostics.contains(where: \.isError) else {
            throw RuleLoadError(diagnostics: diagnostics.isEmpty ? [file.diagnostic(.error, "not a condition", at: parser.current.range)] : diagnostics)
        }
        self.text = text
        self.predicate = predicate
    }

    /// True when the event (its post and transition) meets the condition.
    public func matches(_ subject: RuleSubject) -> Bool {
        predicate.evaluate(subject)
    }

    public var description: String { text }
}
