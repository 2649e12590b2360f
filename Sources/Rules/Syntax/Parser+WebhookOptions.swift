/// A webhook channel's options after its URL (docs/rules.md, "Channels"):
///
/// ```
/// channel hook = webhook env:HOOK_URL template file:payload.json.mustache signature standard secret env:HOOK_SECRET
/// ```
extension Syntax {
    /// `template` and `signature` as written; the checker says whether the kind takes them.
    struct WebhookOptions: Sendable {
        /// `template """…"""` or `template file:PATH`.
        var template: TemplateSource?
        /// `signature standard` (or `postwatch`, the default).
        var signature: Name?
        /// The option words, for "only webhook channels take …" at the right place.
        var templateKeyword: SourceRange?
    }

    enum TemplateSource: Sendable {
        case inline(StringLiteral)
        case file(path: String, range: SourceRange)

        var range: SourceRange {
            switch self {
            case .inline(let literal): literal.range
            case .file(_, let range): range
            }
        }
    }
}

extension Parser {
    static let webhookOptionWords = ["template", "signature"]

    /// Parses one `template …` or `signature …` option; false when the next word is neither.
    mutating func parseWebhookOption(into options: inout Syntax.WebhookOptions) throws(Abort) -> Bool {
        guard let word = current.identifier, Self.webhookOptionWords.contains(word) else { return false }
        let keyword = advance()
        switch word {
        case "template":
            if options.template != nil { try fail("this channel already has a 'template'", at: keyword.range) }
            options.templateKeyword = keyword.range
            switch current.kind {
            case .string(let text):
                let token = advance()
                options.template = .inline(Syntax.StringLiteral(text: text, range: token.range, origin: token.stringOrigin))
            case .secret(.file(let path)):
                options.template = .file(path: path, range: advance().range)
            case .secret(.environment):
                try fail("a template is written in the rule file (\"\"\"…\"\"\") or read from file:PATH, not from the environment")
            default:
                try fail(
                    "expected the template after 'template': \"\"\"…\"\"\" or file:PATH, found \(current.spelling)",
                    at: current.kind == .newline ? keyword.range : nil)
            }
        default:
            if options.signature != nil { try fail("this channel already has a 'signature'", at: keyword.range) }
            guard let scheme = current.identifier else {
                try fail(
                    "expected the signature scheme after 'signature': standard (Standard Webhooks) or postwatch, found \(current.spelling)",
                    at: current.kind == .newline ? keyword.range : nil)
            }
            let token = advance()
            options.signature = Syntax.Name(text: scheme, range: token.range)
        }
        return true
    }
}
