/// Warnings for rules that can never fire: the `when` events contradict the `where` condition.
///
/// Only the top-level `and`-ed terms on `from`, `to`, `status`, `delay` and `postedAt` are
/// considered; that catches the usual slips (`when posted` with `where from = posted`) without
/// pretending to be a solver.
extension Checker {
    private struct Facts {
        var allowed: [Field: Set<String>] = [:]
        var excluded: [Field: Set<String>] = [:]
        /// A term that is false when `postedAt` is null (`delay > 10m`, `postedAt exists`).
        var needsPosted = false

        func admits(_ field: Field, _ value: String) -> Bool {
            if let allowed = allowed[field], !allowed.contains(value) { return false }
            if let excluded = excluded[field], excluded.contains(value) { return false }
            return true
        }

        mutating func learn(_ expression: Syntax.Expression) {
            switch expression {
            case .and(let l, let r):
                learn(l)
                learn(r)
            case .compare(let name, let op, let value):
                guard let field = Field.named(name.text) else { return }
                if field == .delay || field == .postedAt {
                    if op != .notEqual { needsPosted = true }
                    return
                }
                guard let text = Self.text(value) else { return }
                if op == .equal { restrict(field, [text]) }
                if op == .notEqual { excluded[field, default: []].insert(text) }
            case .membership(let name, let negated, let values, _):
                guard let field = Field.named(name.text) else { return }
                let texts = values.compactMap(Self.text)
                if negated { excluded[field, default: []].formUnion(texts) } else { restrict(field, Set(texts)) }
            case .exists(let name, _):
                if name.text == "delay" || name.text == "postedAt" { needsPosted = true }
            default:
                return
            }
        }

        private mutating func restrict(_ field: Field, _ values: Set<String>) {
            allowed[field] = allowed[field].map { $0.intersection(values) } ?? values
        }

        private static func text(_ value: Syntax.Value) -> String? {
            switch value {
            case .word(let text, _), .string(let text, _): text
            default: nil
            }
        }
    }

    mutating func warnIfUnreachable(triggers: [Trigger], condition: Syntax.Expression, rule: String) {
        var facts = Facts()
        facts.learn(condition)
        var reasons: [String] = []
        for trigger in triggers {
            guard let reason = whyNever(trigger, facts) else { return }
            reasons.append(reason)
        }
        guard !reasons.isEmpty else { return }
        report(.warning, "rule \"\(rule)\" can never fire: \(reasons.joined(separator: "; "))", at: condition.range)
    }

    /// Why `trigger` can never satisfy the facts, or nil when it can.
    private func whyNever(_ trigger: Trigger, _ facts: Facts) -> String? {
        switch trigger {
        case .transition(let from, let to):
            let name = "'when \(from.map { "\($0) -> \(to)" } ?? to)'"
            if !facts.admits(.to, to) { return "for \(name) the new status (to) is always \(to)" }
            if !facts.admits(.status, to) { return "for \(name) the post's status is always \(to)" }
            if let from {
                if !facts.admits(.from, from) { return "for \(name) the previous status (from) is always \(from)" }
            } else if !(["new"] + Field.statuses).contains(where: { $0 != to && facts.admits(.from, $0) }) {
                return "\(name) never comes from \(to): a status does not change to itself"
            }
            if facts.needsPosted, to != "posted" { return "delay and postedAt are only known once a post is posted, not for \(name)" }
            return nil
        case .overdue:
            let waiting = ["generated", "pending_render"]
            if !waiting.contains(where: { facts.admits(.status, $0) && facts.admits(.to, $0) }) {
                return "an overdue post's status is generated or pending_render"
            }
            if facts.needsPosted { return "an overdue post is not posted, so delay and postedAt are null" }
            return nil
        case .deleted:
            if !facts.admits(.to, "deleted") { return "for 'when deleted' the new status (to) is always deleted" }
            return nil
        }
    }
}
