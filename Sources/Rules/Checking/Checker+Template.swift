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
    /// Parses a template at load; a Mustache syntax error is reported at its place in the file,
    /// saying what is wrong in the template's own terms (which section, opened where).
    mutating func template(_ literal: Syntax.StringLiteral) -> MustacheTemplate? {
        if let parsed = templates[literal.text] { return parsed }
        do {
            let parsed = try MustacheTemplate(string: literal.text)
            templates[literal.text] = parsed
            return parsed
        } catch {
            if let problem = MustacheTags.problem(in: literal.text) {
                switch problem {
                case .unclosedTag(let offset):
                    report(.error, "broken template: a tag is never closed: expected '}}'", at: range(atScalar: offset, length: 2, in: literal))
                case .unclosedSection(let name, let offset, let length):
                    let opened = position(atScalar: offset, in: literal)
                    report(
                        .error, "broken template: section '\(name)' opened at \(opened.line):\(opened.column) is never closed: add {{/\(name)}}",
                        at: range(atScalar: offset, length: length, in: literal))
                case .mismatchedClose(let name, let offset, let length, let open):
                    let message: String
                    if let open {
                        let opened = position(atScalar: open.offset, in: literal)
                        message = "'{{/\(name)}}' does not close section '\(open.name)' opened at \(opened.line):\(opened.column)"
                    } else {
                        message = "'{{/\(name)}}' closes a section that was never opened"
                    }
                    report(.error, "broken template: \(message)", at: range(atScalar: offset, length: length, in: literal))
                }
            } else if let error = error as? MustacheTemplate.ParserError {
                report(.error, "broken template: \(Self.explain(error.error))", at: range(of: error.context, in: literal))
            } else {
                report(.error, "broken template: \(error)", at: literal.range)
            }
            return nil
        }
    }

    /// Where the scalar at `offset` of the literal's text was written in the file.
    private func position(atScalar offset: Int, in literal: Syntax.StringLiteral) -> SourceLocation {
        guard let origin = literal.origin else { return literal.range.start }
        let position = origin.position(atScalar: offset)
        return SourceLocation(file: literal.range.start.file, line: position.line, column: position.column)
    }

    func range(atScalar offset: Int, length: Int, in literal: Syntax.StringLiteral) -> SourceRange {
        guard literal.origin != nil else { return literal.range }
        let start = position(atScalar: offset, in: literal)
        let last = position(atScalar: offset + max(1, length) - 1, in: literal)
        // A tag spelled over several lines is underlined on its first.
        let end = last.line == start.line ? SourceLocation(file: start.file, line: start.line, column: last.column + 1)
            : SourceLocation(file: start.file, line: start.line, column: start.column + 1)
        return SourceRange(start: start, end: end)
    }

    /// Mustache reports a line and a column in characters: back to a scalar offset of the text.
    private func range(of context: MustacheParserContext, in literal: Syntax.StringLiteral) -> SourceRange {
        var line = 1
        var column = 1
        var offset = 0
        for character in literal.text {
            if line == context.lineNumber && column == context.columnNumber { break }
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            offset += character.unicodeScalars.count
        }
        return range(atScalar: offset, length: 1, in: literal)
    }

    private static func explain(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else {
            // The parser's own errors: `overflow` is the text ending in the middle of a tag.
            return "\(error)" == "overflow" ? "the template ends inside a tag: expected '}}'" : "\(error)"
        }
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
        range(atScalar: tag.offset, length: tag.length, in: literal)
    }
}

/// A small scanner for the tags of a template that already parsed (names only, for warnings).
enum MustacheTags {
    struct Tag {
        let sigil: Character?
        let name: String
        /// Unicode scalars from the tag's `{{` to its closing `}}`, both included.
        let length: Int
        /// Unicode scalars before the tag's `{{` in the text (``StringOrigin`` maps it to the file).
        let offset: Int
    }

    /// What makes a template fail to parse, found by walking its tags.
    enum Problem: Equatable {
        /// A `{{` the text never closes with `}}` (offset of the `{{`).
        case unclosedTag(offset: Int)
        /// `{{#name}}` or `{{^name}}` without its `{{/name}}` (the innermost one).
        case unclosedSection(name: String, offset: Int, length: Int)
        /// `{{/name}}` where another section is open (or none).
        case mismatchedClose(name: String, offset: Int, length: Int, open: Opened?)

        struct Opened: Equatable {
            let name: String
            let offset: Int
        }
    }

    /// The first structural problem of the template, in reading order; nil when the sections
    /// balance (or a set-delimiter tag makes the walk unreliable: Mustache's message stands).
    static func problem(in text: String) -> Problem? {
        let walk = walk(text)
        guard !walk.gaveUp else { return nil }
        var open: [Tag] = []
        for tag in walk.tags {
            switch tag.sigil {
            case "#", "^":
                open.append(tag)
            case "/":
                guard let innermost = open.last, innermost.name == tag.name else {
                    return .mismatchedClose(
                        name: tag.name, offset: tag.offset, length: tag.length,
                        open: open.last.map { Problem.Opened(name: $0.name, offset: $0.offset) })
                }
                open.removeLast()
            default:
                break
            }
        }
        if let unclosed = walk.unclosedTag { return .unclosedTag(offset: unclosed) }
        if let innermost = open.last { return .unclosedSection(name: innermost.name, offset: innermost.offset, length: innermost.length) }
        return nil
    }

    static func scan(_ text: String) -> [Tag] { walk(text).tags }

    /// The tags in order; where a `{{` is left open, if one is; whether a set-delimiter tag
    /// stopped the walk.
    private static func walk(_ text: String) -> (tags: [Tag], unclosedTag: Int?, gaveUp: Bool) {
        // Cheap exit: most titles are short and many have no tag at all.
        guard text.utf8.contains(UInt8(ascii: "{")) else { return ([], nil, false) }
        var tags: [Tag] = []
        let scalars = Array(text.unicodeScalars)
        let count = scalars.count
        var index = 0
        while index < count {
            let scalar = scalars[index]
            guard scalar == "{", index + 1 < count, scalars[index + 1] == "{" else {
                index += 1
                continue
            }
            var end = index + 2
            while end + 1 < count, !(scalars[end] == "}" && scalars[end + 1] == "}") { end += 1 }
            guard end + 1 < count else { return (tags, index, false) }
            // `{{postId}` … `{{/posts}}`: the `}}` found belongs to a later tag, so this one is
            // the tag left open (a name never holds `{{`).
            if (index + 2..<end).contains(where: { scalars[$0] == "{" && scalars[$0 + 1] == "{" && $0 > index + 2 }) {
                return (tags, index, false)
            }
            var innerStart = index + 2
            var closeLength = 2
            if scalars[innerStart] == "{", end + 2 < count, scalars[end + 2] == "}" { closeLength = 3 }
            var sigil: Unicode.Scalar?
            if innerStart < end, "#^/&{!>=<$%".unicodeScalars.contains(scalars[innerStart]) {
                sigil = scalars[innerStart]
                innerStart += 1
            }
            // A set-delimiter tag changes the syntax: stop rather than guess.
            if sigil == "=" { return (tags, nil, true) }
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
                    tags.append(Tag(sigil: kept, name: String(view), length: consumed, offset: index))
                }
            }
            index += consumed
        }
        return (tags, nil, false)
    }
}

import Foundation
