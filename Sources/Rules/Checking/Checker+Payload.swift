extension Checker {
    /// One level of a template's context while its tags are walked: a section's value (nil for
    /// an inverted section, which changes nothing) and whether it iterates a list.
    private struct Scope {
        let tag: String
        let value: JSONValue?
        let isList: Bool
    }

    /// Every name a webhook template uses must exist in the context (the sample has every field
    /// a document can have): an unknown one would render as nothing, silently. Errors, with a
    /// did-you-mean. Returns false when there was one.
    mutating func checkPayloadFields(_ literal: Syntax.StringLiteral) -> Bool {
        var scopes = [Scope(tag: "", value: PayloadTemplate.context(document: PayloadSample.document), isList: false)]
        var ok = true
        for tag in MustacheTags.scan(literal.text) {
            if tag.sigil == "/" {
                if let index = scopes.lastIndex(where: { $0.tag == tag.name }), index > 0 { scopes.removeSubrange(index...) }
                continue
            }
            var name = tag.name
            var transforms: [String] = []
            while let open = name.firstIndex(of: "("), name.hasSuffix(")") {
                transforms.append(String(name[..<open]))
                name = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            }
            let range = self.range(atScalar: tag.offset, length: tag.length, in: literal)
            var value: JSONValue?
            if name.isEmpty, !transforms.isEmpty {
                // `{{^last()}},{{/last()}}`: the position in the list being iterated.
                if let bad = transforms.first(where: { !PayloadTemplate.positionTransforms.contains($0) }) {
                    report(.error, unknownTransform(bad, PayloadTemplate.positionTransforms, position: true), at: range)
                    ok = false
                } else if !scopes.contains(where: \.isList) {
                    report(.error, "'\(tag.name)' is a position in a list: use it inside a list's section, as in {{#events}}…{{^last()}},{{/last()}}{{/events}}", at: range)
                    ok = false
                }
                value = .bool(true)
            } else {
                if let bad = transforms.first(where: { !PayloadTemplate.valueTransforms.contains($0) }) {
                    report(.error, unknownTransform(bad, PayloadTemplate.valueTransforms, position: false), at: range)
                    ok = false
                }
                switch resolve(name, in: scopes) {
                case .success(let found): value = found
                case .failure(let problem):
                    report(.error, problem.message, at: range)
                    ok = false
                }
                // A transform changes what a section iterates: `first(events)` is one event.
                for transform in transforms.reversed() {
                    switch (transform, value) {
                    case ("first", .array(let elements)?), ("last", .array(let elements)?): value = Self.shape(of: elements)
                    case ("json", _), ("count", _), ("empty", _): value = .bool(true)
                    default: break
                    }
                }
            }
            if tag.sigil == "#" {
                if case .array(let elements)? = value {
                    scopes.append(Scope(tag: tag.name, value: Self.shape(of: elements), isList: true))
                } else {
                    scopes.append(Scope(tag: tag.name, value: value, isList: false))
                }
            } else if tag.sigil == "^" {
                scopes.append(Scope(tag: tag.name, value: nil, isList: false))
            }
        }
        return ok
    }

    private struct NameProblem: Error {
        let message: String
    }

    /// What `name` (`post.caption`, `.`, `.to`) finds in the scopes, as Mustache looks it up.
    private func resolve(_ name: String, in scopes: [Scope]) -> Result<JSONValue, NameProblem> {
        let top = scopes.last { $0.value != nil }?.value ?? .null
        if name == "." { return .success(top) }
        let local = name.hasPrefix(".")
        let parts = name.split(separator: ".").map(String.init)
        guard let head = parts.first else { return .success(top) }
        var value: JSONValue?
        let searched = local ? [top] : scopes.reversed().compactMap(\.value)
        for candidate in searched {
            if let found = candidate[head] {
                value = found
                break
            }
        }
        guard var current = value else {
            var names: [String] = []
            for case .object(let members) in searched {
                for member in members where !names.contains(member.key) { names.append(member.key) }
            }
            if !local, !scopes.contains(where: \.isList), case .array(let events)? = scopes.first?.value?["events"],
               Self.shape(of: events)[head] != nil {
                return .failure(NameProblem(message: "'\(head)' is a field of each event: use it inside {{#events}}…{{/events}}"))
            }
            let guess = Suggestion.closest(to: head, in: names)
            return .failure(NameProblem(message: guess.map { "unknown template variable '\(head)'; did you mean '\($0)'?" }
                ?? "unknown template variable '\(head)' (available here: \(names.sorted().joined(separator: ", ")))"))
        }
        var path = head
        for part in parts.dropFirst() {
            if case .array(let elements) = current { current = Self.shape(of: elements) }
            guard case .object(let members) = current else {
                return .failure(NameProblem(message: "'\(path)' has no fields: '\(path).\(part)' is always empty"))
            }
            guard let next = current[part] else {
                let guess = Suggestion.closest(to: part, in: members.map(\.key))
                return .failure(NameProblem(message: guess.map { "'\(path)' has no field '\(part)'; did you mean '\($0)'?" }
                    ?? "'\(path)' has no field '\(part)' (its fields: \(members.map(\.key).sorted().joined(separator: ", ")))"))
            }
            current = next
            path += "." + part
        }
        return .success(current)
    }

    private func unknownTransform(_ name: String, _ known: [String], position: Bool) -> String {
        let what = position ? "position in a list" : "transform"
        if let guess = Suggestion.closest(to: name, in: known) { return "unknown \(what) '\(name)()'; did you mean '\(guess)()'?" }
        return "unknown \(what) '\(name)()' (use \(known.map { "\($0)()" }.joined(separator: ", ")))"
    }

    /// One value with every field any of `values` has (the elements of a list differ: only an
    /// overdue event has `overdueSeconds`), for name checks.
    static func shape(of values: [JSONValue]) -> JSONValue {
        let present = values.filter { $0 != .null }
        guard let first = present.first else { return .null }
        switch first {
        case .object:
            var keys: [String] = []
            for case .object(let members) in present {
                for member in members where !keys.contains(member.key) { keys.append(member.key) }
            }
            return .object(keys.map { key in (key, shape(of: present.compactMap { $0[key] })) })
        case .array:
            var elements: [JSONValue] = []
            for case .array(let items) in present { elements += items }
            return .array(elements.isEmpty ? [] : [shape(of: elements)])
        default:
            // A string in one post, a list in another (`contentUrl`): the list allows more.
            return present.first { if case .array = $0 { true } else { false } } ?? first
        }
    }

    /// Renders the template over the sample notification (its hostile caption included) and
    /// reports, at the template's place, where the output stops being JSON. Returns false then.
    mutating func checkPayloadRenders(_ template: PayloadTemplate, literal: Syntax.StringLiteral) -> Bool {
        let context = PayloadTemplate.context(document: PayloadSample.document)
        let output = template.renderText(context)
        let failure: JSONSyntaxError
        do {
            _ = try JSONParser.parse(output)
            return true
        } catch {
            failure = error
        }
        let located = PayloadOriginMap(template: literal.text, context: context)
        var message = "the template does not render JSON for a sample notification: \(failure.message)"
        guard let map = located, let error = map.error, let origin = map.origin(ofScalar: error.scalarOffset) else {
            report(.error, message + " at line \(failure.line), column \(failure.column) of the output", at: literal.range)
            return false
        }
        message += " at line \(error.line), column \(error.column) of the output"
        if error.message.hasPrefix("expected a value"), error.message.hasSuffix("found ']'") || error.message.hasSuffix("found '}'") {
            // The usual slip: a comma after each element of a list, the last one included.
            message += " (a comma after the last element? write {{^last()}},{{/last()}} for commas between elements)"
        }
        switch origin {
        case .value(let tag, let isStart):
            message += ", in the value of {{\(tag.name)}}"
            if isStart, !tag.name.hasPrefix("json(") {
                message += ": a value is inserted JSON-escaped, for inside a JSON string: write \"{{\(tag.name)}}\", or {{json(\(tag.name))}} for the value as JSON"
            }
            report(.error, message, at: range(atScalar: tag.offset, length: tag.length, in: literal))
        case .text(let offset):
            report(.error, message, at: range(atScalar: offset, length: 1, in: literal))
        }
        return false
    }
}
