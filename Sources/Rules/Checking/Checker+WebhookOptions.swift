import Foundation

extension Checker {
    /// A webhook's `template` and `signature` options: checked, and set on its declaration.
    /// Returns false after reporting an error.
    mutating func applyWebhookOptions(
        _ syntax: Syntax.Channel, kind: ChannelKind, secret: String?, into declaration: inout ChannelDeclaration
    ) -> Bool {
        let options = syntax.webhook
        var ok = true
        if kind != .webhook {
            if let keyword = options.templateKeyword {
                report(.error, "only webhook channels take a 'template' (their request body)", at: keyword)
                ok = false
            }
            if let signature = options.signature {
                report(.error, "only webhook channels take a 'signature'", at: signature.range)
                ok = false
            }
            return ok
        }
        if let word = options.signature {
            if let scheme = WebhookSignatureScheme(rawValue: word.text) {
                declaration.signature = scheme
            } else {
                let names = WebhookSignatureScheme.allCases.map(\.rawValue)
                let guess = Suggestion.closest(to: word.text, in: names).map { "; did you mean '\($0)'?" } ?? " (use standard or postwatch)"
                report(.error, "unknown signature scheme '\(word.text)'\(guess)", at: word.range)
                ok = false
            }
            if declaration.signature == .standard {
                if syntax.secret == nil {
                    report(.error, "'signature standard' signs with a secret: add secret env:NAME holding whsec_ and the base64 key", at: word.range)
                    ok = false
                } else if let secret, let target = syntax.secret, !(secret == "unresolved-secret" && !requireSecrets),
                          WebhookSignatureScheme.standardKey(secret) == nil {
                    report(.error, badValue(target, "is not a Standard Webhooks secret: expected whsec_ followed by base64", shown: nil), at: target.range)
                    ok = false
                }
            }
        }
        if let source = options.template {
            guard let literal = payloadLiteral(source) else { return false }
            guard template(literal) != nil, let parsed = try? PayloadTemplate(literal.text, source: literal.range.start.description) else {
                return false
            }
            let fieldsOK = checkPayloadFields(literal)
            // Unknown names render empty: the JSON check would only repeat them, less clearly.
            if fieldsOK && checkPayloadRenders(parsed, literal: literal) {
                declaration.template = parsed
            } else {
                ok = false
            }
        }
        return ok
    }

    /// The template's text with where each scalar was written: the rule file's `"""…"""`, or
    /// `file:PATH` (relative to the rule file) read whole, its diagnostics pointing into it.
    mutating func payloadLiteral(_ source: Syntax.TemplateSource) -> Syntax.StringLiteral? {
        switch source {
        case .inline(let literal):
            return literal
        case .file(let path, let range):
            let base = (range.start.file as NSString).deletingLastPathComponent
            let full = path.hasPrefix("/") || base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: full) else {
                report(.error, "cannot read template file \(full)", at: range)
                return nil
            }
            guard let text = String(data: data, encoding: .utf8) else {
                report(.error, "template file \(full) is not UTF-8 text", at: range)
                return nil
            }
            files[full] = SourceFile(name: full, text: text)
            var positions: [StringOrigin.Position] = []
            var line = 1
            var column = 1
            for scalar in text.unicodeScalars {
                positions.append(StringOrigin.Position(line: line, column: column))
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            positions.append(StringOrigin.Position(line: line, column: column))
            let start = SourceLocation(file: full, line: 1, column: 1)
            return Syntax.StringLiteral(
                text: text, range: SourceRange(start: start, end: SourceLocation(file: full, line: 1, column: 2)),
                origin: StringOrigin(positions: positions))
        }
    }
}
