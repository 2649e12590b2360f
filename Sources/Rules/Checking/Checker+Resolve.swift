extension Checker {
    /// The events of a `resolve when …` clause: statuses and transitions as in `when`, and
    /// `deleted`; never `overdue` (becoming overdue is trouble, not its end). `firing` are the
    /// rule's `when` triggers read so far, to warn about a resolve event that fires the rule.
    mutating func resolveTriggers(_ events: [Syntax.Event], firing: [Trigger]) -> [Trigger]? {
        var triggers: [Trigger] = []
        var ok = true
        for event in events {
            if case .overdue(_, let range) = event {
                report(.error, "an alert cannot resolve by becoming overdue: resolve when posted, failed or deleted", at: range)
                ok = false
                continue
            }
            guard let trigger = trigger(event) else { ok = false; continue }
            // The event that fires a rule is a trigger, never its resolve: say so rather than
            // let the clause look like it does something.
            if firing.contains(trigger), let range = Self.range(of: event) {
                report(.warning, "'\(Self.spelling(of: event) ?? trigger.description)' fires this rule, so it never resolves it", at: range)
            }
            if !triggers.contains(trigger) { triggers.append(trigger) }
        }
        return ok ? triggers : nil
    }

    /// The event as written (`failed`, `pending_render -> posted`).
    static func spelling(of event: Syntax.Event) -> String? {
        switch event {
        case .transition(let from, let to): from.map { "\($0.text) -> \(to.text)" } ?? to.text
        case .deleted: "deleted"
        case .overdue, .invalid: nil
        }
    }

    static func range(of event: Syntax.Event) -> SourceRange? {
        switch event {
        case .transition(let from, let to): from.map { $0.range.through(to.range) } ?? to.range
        case .overdue(_, let range), .deleted(let range): range
        case .invalid: nil
        }
    }

    /// The `endpoint` of a channel, which only kinds that take one may have, an http(s) URL;
    /// `ok` is false after reporting an error.
    mutating func checkEndpoint(_ literal: Syntax.StringLiteral?, kind: ChannelKind) -> (ok: Bool, url: String?) {
        guard let literal else { return (true, nil) }
        guard kind.takesEndpoint else {
            report(.error, "only pagerduty channels take an 'endpoint'", at: literal.range)
            return (false, nil)
        }
        guard WebURL.isHTTP(literal.text) else {
            report(.error, "'\(WebURL.redacted(literal.text))' is not an http(s) URL", at: literal.range)
            return (false, nil)
        }
        return (true, literal.text)
    }
}
