import Foundation

/// Type checking and compilation of `where` conditions into closures.
///
/// Null semantics: a null field (`soundId`, `thumbnailUrl`, `postedAt`, `delay` before posting)
/// makes `=`, `<`, `<=`, `>`, `>=`, `in`, `contains` and `matches` false, and `!=` and `not in`
/// true, so `not (x = v)` and `x != v` always agree.
extension Checker {
    mutating func compile(_ expression: Syntax.Expression) -> Predicate? {
        switch expression {
        case .and(let lhs, let rhs):
            let left = compile(lhs)
            let right = compile(rhs)
            guard let l = left?.evaluate, let r = right?.evaluate else { return nil }
            return Predicate { l($0) && r($0) }
        case .or(let lhs, let rhs):
            let left = compile(lhs)
            let right = compile(rhs)
            guard let l = left?.evaluate, let r = right?.evaluate else { return nil }
            return Predicate { l($0) || r($0) }
        case .not(let inner, _):
            guard let i = compile(inner)?.evaluate else { return nil }
            return Predicate { !i($0) }
        case .compare(let name, let op, let value):
            guard let field = field(name) else { return nil }
            return compare(field, name, op, value)
        case .membership(let name, let negated, let values, _):
            guard let field = field(name) else { return nil }
            return membership(field, name, negated: negated, values)
        case .contains(let name, let text):
            guard let field = field(name), let get = stringAccessor(field, name, "contains") else { return nil }
            let needle = Array(text.text.utf8)
            return Predicate { subject in get(subject).map { Substring.contains(needle, in: $0) } ?? false }
        case .matches(let name, let pattern):
            guard let field = field(name), let get = stringAccessor(field, name, "matches") else { return nil }
            guard let regex = regex(pattern) else { return nil }
            return Predicate { subject in get(subject).map(regex.matches) ?? false }
        case .exists(let name, let range):
            guard let field = field(name) else { return nil }
            guard field.isNullable else {
                report(.warning, "'\(field.rawValue)' is never null: 'exists' is always true here", at: range)
                return Predicate { _ in true }
            }
            switch field {
            case .soundId: return Predicate { $0.soundId != nil }
            case .thumbnailUrl: return Predicate { $0.thumbnailUrl != nil }
            default: return Predicate { $0.postedAt != nil }
            }
        }
    }

    // MARK: - Accessors

    static func stringValue(_ field: Field) -> @Sendable (RuleSubject) -> String? {
        switch field {
        case .postId: { $0.postId }
        case .accountId: { $0.accountId }
        case .platform: { $0.platform }
        case .contentType: { $0.contentType }
        case .caption: { $0.caption }
        case .soundId: { $0.soundId }
        case .timezone: { $0.timezone }
        case .thumbnailUrl: { $0.thumbnailUrl }
        case .status: { $0.status }
        case .from: { $0.from }
        case .to: { $0.to }
        default: { _ in nil }
        }
    }

    /// Times and durations as seconds (times since the reference date), numbers as themselves.
    static func numericValue(_ field: Field) -> @Sendable (RuleSubject) -> Double? {
        switch field {
        case .scheduledTime: { $0.scheduledTime.timeIntervalSinceReferenceDate }
        case .postedAt: { $0.postedAt?.timeIntervalSinceReferenceDate }
        case .createdAt: { $0.createdAt.timeIntervalSinceReferenceDate }
        case .delay: { $0.delay }
        case .age: { $0.age }
        case .slides: { Double($0.slides) }
        default: { _ in nil }
        }
    }

    private mutating func stringAccessor(_ field: Field, _ name: Syntax.Name, _ op: String) -> (@Sendable (RuleSubject) -> String?)? {
        guard field.type == .string else {
            if case .enumeration(let values) = field.type {
                report(.error, "'\(op)' works on text; '\(field.rawValue)' is one of \(values.joined(separator: ", ")): compare it with = or in", at: name.range)
            } else {
                report(.error, "'\(op)' works on text, but '\(field.rawValue)' is \(field.type.name)", at: name.range)
            }
            return nil
        }
        return Self.stringValue(field)
    }

    // MARK: - Comparisons

    private mutating func compare(_ field: Field, _ name: Syntax.Name, _ op: Syntax.Comparison, _ value: Syntax.Value) -> Predicate? {
        switch field.type {
        case .string, .enumeration:
            guard op == .equal || op == .notEqual else {
                let hint = field.type == .string ? "; use contains or matches to look inside it" : ""
                report(.error, "'\(field.rawValue)' is \(field.type.name): it can only be compared with = or !=\(hint)", at: name.range.through(value.range))
                return nil
            }
            guard let expected = textValue(field, value) else { return nil }
            let get = Self.stringValue(field)
            // Null is different from every value.
            return op == .equal ? Predicate { get($0) == expected } : Predicate { get($0) != expected }
        case .time, .duration, .number:
            guard let expected = numericOperand(field, value) else { return nil }
            let get = Self.numericValue(field)
            switch (op, expected) {
            case (_, .now):
                let read = Self.numericValue(field)
                return Predicate { subject in
                    guard let lhs = read(subject) else { return op == .notEqual }
                    return Self.apply(op, lhs, subject.now.timeIntervalSinceReferenceDate)
                }
            case (.equal, .constant(let c)): return Predicate { get($0) == c }
            case (.notEqual, .constant(let c)): return Predicate { get($0) != c }
            case (.less, .constant(let c)): return Predicate { get($0).map { $0 < c } ?? false }
            case (.lessEqual, .constant(let c)): return Predicate { get($0).map { $0 <= c } ?? false }
            case (.greater, .constant(let c)): return Predicate { get($0).map { $0 > c } ?? false }
            case (.greaterEqual, .constant(let c)): return Predicate { get($0).map { $0 >= c } ?? false }
            }
        }
    }

    static func apply(_ op: Syntax.Comparison, _ lhs: Double, _ rhs: Double) -> Bool {
        switch op {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .less: lhs < rhs
        case .lessEqual: lhs <= rhs
        case .greater: lhs > rhs
        case .greaterEqual: lhs >= rhs
        }
    }

    enum NumericOperand { case constant(Double), now }

    private mutating func numericOperand(_ field: Field, _ value: Syntax.Value) -> NumericOperand? {
        switch (field.type, value) {
        case (.time, .word("now", _)):
            return .now
        case (.time, .string(let text, let range)):
            guard let date = Self.parseTime(text) else {
                report(.error, "'\(text)' is not a time; write it like \"2024-04-22T16:00:00Z\", or use now", at: range)
                return nil
            }
            return .constant(date.timeIntervalSinceReferenceDate)
        case (.time, .duration(_, let range)):
            report(.error, "'\(field.rawValue)' is a time, not a duration; compare durations with age (now - createdAt) or delay (postedAt - scheduledTime)", at: range)
            return nil
        case (.duration, .duration(let seconds, _)):
            return .constant(Double(seconds))
        case (.duration, .number(let value, let range)):
            guard value == 0 else {
                report(.error, "a duration needs a unit: \(value)m, \(value)s or \(value)h", at: range)
                return nil
            }
            return .constant(0)
        case (.number, .number(let value, _)):
            return .constant(Double(value))
        default:
            let example = switch field.type {
            case .time: "now or \"2024-04-22T16:00:00Z\""
            case .duration: "a duration like 10m"
            default: "a number like 3"
            }
            report(.error, "'\(field.rawValue)' is \(field.type.name); compare it with \(example), not \(Self.describe(value))", at: value.range)
            return nil
        }
    }

    static func describe(_ value: Syntax.Value) -> String {
        switch value {
        case .string: "a string"
        case .number: "a number"
        case .duration: "a duration"
        case .word(let word, _): "'\(word)'"
        }
    }

    static func parseTime(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The value of `field = value` for text fields: strings in quotes, names of enum values.
    private mutating func textValue(_ field: Field, _ value: Syntax.Value) -> String? {
        switch (field.type, value) {
        case (.string, .string(let text, _)):
            return text
        case (.string, .word(let word, let range)):
            report(.error, "'\(field.rawValue)' is a string: write the value in quotes, \"\(word)\"", at: range)
            return nil
        case (.enumeration(let values), .word(let text, let range)), (.enumeration(let values), .string(let text, let range)):
            guard values.contains(text) else {
                var message = unknownValue(Self.valueNoun(field), text, values)
                if field == .status, text == "deleted" { message += "; deleted posts are matched with 'when deleted'" }
                report(.error, message, at: range)
                return nil
            }
            return text
        default:
            if case .enumeration = field.type {
                report(.error, "'\(field.rawValue)' is \(field.type.name), not \(Self.describe(value))", at: value.range)
            } else {
                report(.error, "'\(field.rawValue)' is a string; compare it with a \"string\", not \(Self.describe(value))", at: value.range)
            }
            return nil
        }
    }

    static func valueNoun(_ field: Field) -> String {
        switch field {
        case .platform: "platform"
        case .contentType: "content type"
        default: "status"
        }
    }

    private mutating func membership(_ field: Field, _ name: Syntax.Name, negated: Bool, _ values: [Syntax.Value]) -> Predicate? {
        switch field.type {
        case .string, .enumeration:
            var texts: [String] = []
            var ok = true
            for value in values {
                if let text = textValue(field, value) { texts.append(text) } else { ok = false }
            }
            guard ok else { return nil }
            let list = texts
            let get = Self.stringValue(field)
            // Lists are short: a linear scan beats hashing here.
            if negated {
                return Predicate { subject in get(subject).map { !list.contains($0) } ?? true }
            }
            return Predicate { subject in get(subject).map { list.contains($0) } ?? false }
        case .number:
            var numbers: [Double] = []
            for value in values {
                guard case .number(let n, _) = value else {
                    report(.error, "'\(field.rawValue)' is a number; the list must hold numbers", at: value.range)
                    return nil
                }
                numbers.append(Double(n))
            }
            let list = numbers
            let get = Self.numericValue(field)
            if negated { return Predicate { subject in get(subject).map { !list.contains($0) } ?? true } }
            return Predicate { subject in get(subject).map { list.contains($0) } ?? false }
        case .time, .duration:
            report(.error, "'in' needs a text field or a number, but '\(field.rawValue)' is \(field.type.name); compare it with < or >", at: name.range)
            return nil
        }
    }

    private mutating func regex(_ pattern: Syntax.StringLiteral) -> CompiledRegex? {
        if let compiled = regexes[pattern.text] { return compiled }
        do {
            let compiled = try CompiledRegex(pattern.text)
            regexes[pattern.text] = compiled
            return compiled
        } catch {
            report(.error, "invalid regular expression: \(error.localizedDescription)", at: pattern.range)
            return nil
        }
    }

    /// The condition as text, for display (`platform = tiktok and not soundId exists`).
    static func spell(_ expression: Syntax.Expression) -> String {
        func wrap(_ inner: Syntax.Expression, inside parentIsAnd: Bool) -> String {
            if case .or = inner, parentIsAnd { return "(\(spell(inner)))" }
            return spell(inner)
        }
        switch expression {
        case .and(let l, let r): return "\(wrap(l, inside: true)) and \(wrap(r, inside: true))"
        case .or(let l, let r): return "\(spell(l)) or \(spell(r))"
        case .not(let inner, _):
            switch inner {
            case .and, .or: return "not (\(spell(inner)))"
            default: return "not \(spell(inner))"
            }
        case .compare(let f, let op, let v): return "\(f.text) \(op.rawValue) \(v.spelling)"
        case .membership(let f, let negated, let values, _):
            return "\(f.text) \(negated ? "not in" : "in") (\(values.map(\.spelling).joined(separator: ", ")))"
        case .contains(let f, let s): return "\(f.text) contains \"\(s.text)\""
        case .matches(let f, let s): return "\(f.text) matches \"\(s.text)\""
        case .exists(let f, _): return "\(f.text) exists"
        }
    }
}

/// A regular expression compiled once at load.
struct CompiledRegex: Sendable {
    // NSRegularExpression is immutable after creation and safe to use from several threads.
    private let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern)
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

extension Substring {
    /// Byte-wise substring search: Foundation's `contains` goes through CFString and was the
    /// slowest part of `contains` conditions.
    static func contains(_ needle: [UInt8], in haystack: String) -> Bool {
        guard let first = needle.first else { return true }
        var haystack = haystack
        return haystack.withUTF8 { bytes in
            let count = bytes.count - needle.count
            guard count >= 0 else { return false }
            var index = 0
            while index <= count {
                if bytes[index] == first {
                    var offset = 1
                    while offset < needle.count, bytes[index + offset] == needle[offset] { offset += 1 }
                    if offset == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }
}
