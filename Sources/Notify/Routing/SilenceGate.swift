import Foundation
import Rules
import Watch

/// Routing, stage 1b (silence): takes away the matches an active silence covers, after
/// ``RuleMatches`` and before anything is grouped.
///
/// A silence's condition is a `Rules.Matcher` read on the same ``Rules/RuleSubject`` a rule's
/// `where` reads, so `accountId = "acc_1"` means in a silence what it means in a rule. A muted
/// match is not dropped: it comes back as a ``Watch/SilencedEvent`` (rule, event, the silence
/// that muted it) for the cycle to record, and ``Routing/fired`` still names the rule. Only
/// matches are muted: an event that resolves an alert (it matches no trigger) goes through, so an
/// incident opened before the silence is still closed where it was opened.
public struct SilenceGate: Sendable {
    /// The silences active at the routing's time, by id, their conditions compiled.
    let silences: [(id: Int64, matcher: Matcher)]

    /// A silence whose stored condition no longer compiles (a field renamed by an upgrade)
    /// mutes nothing: an event notified that should not have been is better than one lost.
    public init(silences: [Silence], at now: Date) {
        self.silences = silences.filter { $0.isActive(at: now) }.sorted { $0.id < $1.id }.compactMap { silence in
            (try? Matcher(silence.matcher, name: "silence \(silence.id)")).map { (silence.id, $0) }
        }
    }

    /// What the rules keep after the silences: per rule, the indices of the events still to
    /// route, and the muted ones, each with the first silence (by id) whose condition it meets.
    public struct Outcome: Sendable {
        public var kept: [[Int]]
        public var silenced: [SilencedEvent]
    }

    public func pass(_ matches: RuleMatches, rules: [Rule], events: [Event]) -> Outcome {
        guard !silences.isEmpty else { return Outcome(kept: matches.indices, silenced: []) }
        // Whether an event is muted does not depend on the rule: asked once per event.
        var mutedBy: [Int: Int64?] = [:]
        func silence(of index: Int) -> Int64? {
            if let known = mutedBy[index] { return known }
            let found = silences.first { $0.matcher.matches(matches.subjects[index]) }?.id
            mutedBy[index] = found
            return found
        }
        var outcome = Outcome(kept: [], silenced: [])
        for (rule, matched) in zip(rules, matches.indices) {
            var kept: [Int] = []
            for index in matched {
                if let id = silence(of: index) {
                    outcome.silenced.append(SilencedEvent(rule: rule.name, silenceId: id, event: events[index]))
                } else {
                    kept.append(index)
                }
            }
            outcome.kept.append(kept)
        }
        return outcome
    }
}
