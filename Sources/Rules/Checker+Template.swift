import Mustache

/// The names a `title`/`body` template can use (DESIGN.md's template context, as Notify's
/// `MessageContext` builds it); a template naming anything else gets a warning.
public enum TemplateContext {
    /// Top-level names.
    public static let messageFields = [
        "rule", "severity", "severityEmoji", "event", "summary", "count", "group", "groupText",
        "suppressed", "suppressedSince", "more", "posts",
    ]
    /// Post fields also at the top level when every post of the message shares the value.
    public static let sharedPostFields = ["platform", "accountId", "contentType", "status", "from", "to", "timezone", "postId"]
    /// Names inside `{{#posts}}…{{/posts}}`: the post's fields plus the event's.
    public static let postFields = [
        "postId", "accountId", "platform", "contentType", "contentUrl", "contentUrls", "contentLink",
        "thumbnailUrl", "thumbnailLink", "caption", "soundId", "timezone", "scheduledTime", "scheduledLocal",
        "status", "postedAt", "createdAt", "slides", "from", "to", "kind", "transition", "statusEmoji",
        "delay", "delaySeconds", "delayText", "overdue",
    ]
}

extension Checker {
    /// Parses a template at load; a Mustache syntax error is reported at its place in the file.
    mutating func template(_ literal: Syntax.StringLiteral) -> MustacheTemplate? {
        if let parsed = templates[literal.text] { return parsed }
        do {
            let parsed = try MustacheTemplate(string: literal.text)
            templates[literal.text] = parsed
            return parsed
        } catch let error as MustacheTemplate.ParserError {
            let range = fileRange(of: error.context, in: literal)
            report(.error, "broken template: \(Self.explain(error.error))", at: range)
            return nil
        } catch {
            report(.error, "broken template: \(error)", at: literal.range)
            return nil
        }
    }

    private func fileRange(of context: MustacheParserContext, in literal: Syntax.StringLiteral) -> SourceRange {
        guard let origin = literal.origin else { return literal.range }
        let line: Int
        var column: Int
        line = origin.line + context.lineNumber - 1
        column = max(1, lineStart(context.lineNumber - 1, origin) + context.columnNumber - 1)
        let start = SourceLocation(file: literal.range.start.file, line: line, column: column)
        return SourceRange(start: start, end: SourceLocation(file: start.file, line: line, column: column + 1))
    }

    /// The file column of the first character of a template's line (0-based line in the template).
    private func lineStart(_ templateLine: Int, _ origin: StringOrigin) -> Int {
        if templateLine == 0 { return origin.column + (origin.startsOnNextLine ? origin.indentation : 0) }
        return origin.indentation + 1
    }

    private static func explain(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a closing {{/…}} tag does not match the section it closes"
        case .unfinishedName: return "a tag is not finished: expected '}}'"
        case .expectedSectionEnd: return "a section is never closed: add {{/name}}"
        case .invalidSetDelimiter: return "bad set-delimiter tag"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return "partials and inheritance are not available in rule templates"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "bad {{% … }} configuration tag"
        }
    }

    /// Warns about names a template uses that the message context does not have.
    mutating func checkTemplateFields(_ text: String, literal: Syntax.StringLiteral, groupBy: [String]) {
        var sections: [String] = []
        var warned: Set<String> = []
        for tag in MustacheTags.scan(text) {
            var name = tag.name
            // Transforms: `{{uppercased(caption)}}` names `caption`.
            if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
                name = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            }
            if tag.sigil == "/" {
                if let index = sections.lastIndex(of: name) { sections.removeSubrange(index...) }
                continue
            }
            let parts = name.split(separator: ".").map(String.init)
            if let head = parts.first, !name.hasPrefix("."), !warned.contains(name) {
                if let problem = templateProblem(head: head, rest: Array(parts.dropFirst()), sections: sections, groupBy: groupBy) {
                    warned.insert(name)
                    report(.warning, problem, at: rangeOfTag(tag, in: literal))
                }
            }
            if tag.sigil == "#" || tag.sigil == "^" { sections.append(name) }
        }
    }

    private func templateProblem(head: String, rest: [String], sections: [String], groupBy: [String]) -> String? {
        let inPosts = sections.contains("posts")
        let inGroup = sections.contains("group")
        if TemplateContext.messageFields.contains(head) {
            if head == "group", let key = rest.first, !groupBy.contains(key) {
                return groupBy.isEmpty
                    ? "template uses 'group.\(key)', but the rule has no 'group by'"
                    : "template uses 'group.\(key)', but the rule groups by \(groupBy.joined(separator: ", "))"
            }
            return nil
        }
        if TemplateContext.postFields.contains(head) {
            if inPosts || (inGroup && groupBy.contains(head)) || TemplateContext.sharedPostFields.contains(head) { return nil }
            if groupBy.contains(head) {
                return "'\(head)' is a field of each post: write {{group.\(head)}} for the group's value, or use it inside {{#posts}}…{{/posts}}"
            }
            return "'\(head)' is a field of each post: use it inside {{#posts}}…{{/posts}}"
        }
        if inGroup && groupBy.contains(head) { return nil }
        let candidates = TemplateContext.messageFields + (inPosts ? TemplateContext.postFields : [])
        if let guess = Suggestion.closest(to: head, in: candidates) {
            return "template field '\(head)' does not exist; did you mean '\(guess)'?"
        }
        return "template field '\(head)' does not exist (available: \(TemplateContext.messageFields.joined(separator: ", ")))"
    }

    private func rangeOfTag(_ tag: MustacheTags.Tag, in literal: Syntax.StringLiteral) -> SourceRange {
        guard let origin = literal.origin else { return literal.range }
        let line = origin.line + tag.line
        let column = lineStart(tag.line, origin) + tag.column
        let file = literal.range.start.file
        return SourceRange(
            start: SourceLocation(file: file, line: line, column: column),
            end: SourceLocation(file: file, line: line, column: column + tag.length))
    }
}

/// A small scanner for the tags of a template that already parsed (names only, for warnings).
enum MustacheTags {
    struct Tag {
        let sigil: Character?
        let name: String
        /// 0-based line and column within the template text; length in characters.
        let line: Int
        let column: Int
        let length: Int
    }

    static func scan(_ text: String) -> [Tag] {
        // Cheap exit: most titles are short and many have no tag at all.
        guard text.utf8.contains(UInt8(ascii: "{")) else { return [] }
        var tags: [Tag] = []
        let scalars = Array(text.unicodeScalars)
        let count = scalars.count
        var index = 0
        var line = 0
        var column = 0
        while index < count {
            let scalar = scalars[index]
            guard scalar == "{", index + 1 < count, scalars[index + 1] == "{" else {
                if scalar == "\n" { line += 1; column = 0 } else { column += 1 }
                index += 1
                continue
            }
            var end = index + 2
            while end + 1 < count, !(scalars[end] == "}" && scalars[end + 1] == "}") { end += 1 }
            guard end + 1 < count else { break }
            var innerStart = index + 2
            var closeLength = 2
            if scalars[innerStart] == "{", end + 2 < count, scalars[end + 2] == "}" { closeLength = 3 }
            var sigil: Unicode.Scalar?
            if innerStart < end, "#^/&{!>=<$%".unicodeScalars.contains(scalars[innerStart]) {
                sigil = scalars[innerStart]
                innerStart += 1
            }
            // A set-delimiter tag changes the syntax: stop rather than guess.
            if sigil == "=" { break }
            let consumed = end + closeLength - index
            if sigil == nil || "#^/&{".unicodeScalars.contains(sigil ?? " ") {
                var lower = innerStart
                var upper = end
                while lower < upper, scalars[lower].properties.isWhitespace { lower += 1 }
                while upper > lower, scalars[upper - 1].properties.isWhitespace { upper -= 1 }
                if lower < upper {
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: scalars[lower..<upper])
                    let kept: Character? = sigil.flatMap { $0 == "{" || $0 == "&" ? nil : Character($0) }
                    tags.append(Tag(sigil: kept, name: String(view), line: line, column: column, length: consumed))
                }
            }
            for offset in index..<(index + consumed) {
                if scalars[offset] == "\n" { line += 1; column = 0 } else { column += 1 }
            }
            index += consumed
        }
        return tags
    }
}

import Foundation
