import Rules
import Watch

/// Routing, stage 1 (match): which events each rule fires for.
///
/// Each rule meets each event once, through the one ``RuleSubject/init(event:)``: the messages
/// and ``Routing/fired`` read the same answers, so what the app reports as fired is what was
/// routed, held events included.
public struct RuleMatches: Sendable {
    /// Per rule, in rule order: the indices of the events it matches, in event order.
    public let indices: [[Int]]
    /// What the rules read of each event, in event order (the resolution stage reads them too).
    public let subjects: [RuleSubject]

    public init(rules: [Rule], events: [Event]) {
        let subjects = events.map(RuleSubject.init(event:))
        self.subjects = subjects
        indices = rules.map { rule in subjects.indices.filter { rule.matches(subjects[$0]) } }
    }

    /// The names of the rules each event matched, in rule order (``Routing/fired``).
    public func fired(_ rules: [Rule], eventCount: Int) -> [[String]] {
        var fired = Array(repeating: [String](), count: eventCount)
        for (rule, matched) in zip(rules, indices) {
            for index in matched { fired[index].append(rule.name) }
        }
        return fired
    }
}
