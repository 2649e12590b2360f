/// When the alerts a rule raised close: its `resolve` clause.
///
/// An alert is one (rule, post, channel): opened when a message carrying the post's event is
/// queued to the channel, closed by the first later event of the post that resolves it. The
/// event that fires the rule never resolves it (a post that fails again stays open).
public enum Resolution: Sendable, Hashable {
    /// No `resolve` clause: channels whose kind resolves by default (``ChannelKind/resolvesByDefault``,
    /// PagerDuty) resolve on ``Rule/defaultResolveTriggers``; the others send no follow-up.
    case automatic
    /// `resolve never`: no channel of the rule gets a resolve.
    case never
    /// `resolve when posted, deleted`: every channel of the rule resolves on these events
    /// (chat channels get a short "resolved" follow-up).
    case when([Trigger])
}

extension Rule {
    /// What resolves a rule's alerts without a `resolve` clause: the post reaching `posted` or
    /// being deleted; for a rule with an `overdue` trigger, also `failed` (the post is no longer
    /// stuck, whatever became of it).
    public var defaultResolveTriggers: [Trigger] {
        var triggers: [Trigger] = [.transition(from: nil, to: "posted"), .deleted]
        if !overdueThresholds.isEmpty { triggers.insert(.transition(from: nil, to: "failed"), at: 1) }
        return triggers
    }

    /// The events that resolve this rule's alerts on a channel of `kind` (empty: the channel
    /// gets no resolves, and no alert of it is kept open).
    public func resolveTriggers(for kind: ChannelKind) -> [Trigger] {
        switch resolution {
        case .never: []
        case .when(let triggers): triggers
        case .automatic: kind.resolvesByDefault ? defaultResolveTriggers : []
        }
    }

    /// True when `subject`'s event resolves this rule's alerts on a channel of `kind`: one of
    /// the resolve triggers accepts it and it does not fire the rule itself. The `where`
    /// condition is not asked: it describes the trouble (`platform = tiktok`), and the post
    /// getting out of it must close the alert whatever the condition says about the new state.
    public func resolves(_ subject: RuleSubject, on kind: ChannelKind) -> Bool {
        resolveTriggers(for: kind).contains { $0.accepts(subject) } && !matches(subject)
    }
}
