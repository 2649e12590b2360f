import Mustache

/// One rule of a rule file, checked and compiled: which events it watches, the condition on
/// them, where it sends, and how messages are grouped and throttled.
public struct Rule: Sendable {
    /// The name between quotes; unique across a rule set (it keys throttles and the outbox).
    public let name: String
    /// `severity`, default `warning`.
    public let severity: Severity
    /// The `when` events, in the order written.
    public let triggers: [Trigger]
    /// Names of the channels to notify (keys of `RuleSet.channels`; inline destinations have a
    /// synthesized declaration there).
    public let channels: [String]
    /// `group by` field names (empty: one group).
    public let groupBy: [String]
    /// `throttle`: at most one message per group per this long.
    public let throttle: Duration?
    /// `title` and `body` Mustache templates; nil means the channel's default.
    public let title: MustacheTemplate?
    public let body: MustacheTemplate?
    /// Where `rule "…"` is written.
    public let location: SourceLocation
    /// The `where` condition as written (normalised spacing), for display; nil without one.
    public let condition: String?

    private let predicate: Predicate?

    /// A rule built in code (tests, tools); rule files go through `RuleSet.load`.
    public init(
        name: String, severity: Severity = .warning, triggers: [Trigger], channels: [String],
        groupBy: [String] = [], throttle: Duration? = nil, title: MustacheTemplate? = nil,
        body: MustacheTemplate? = nil, location: SourceLocation = SourceLocation(file: "<code>", line: 0, column: 0),
        condition: String? = nil, where predicate: (@Sendable (RuleSubject) -> Bool)? = nil
    ) {
        self.name = name
        self.severity = severity
        self.triggers = triggers
        self.channels = channels
        self.groupBy = groupBy
        self.throttle = throttle
        self.title = title
        self.body = body
        self.location = location
        self.condition = condition
        self.predicate = predicate.map(Predicate.init)
    }

    init(
        name: String, severity: Severity, triggers: [Trigger], channels: [String], groupBy: [String],
        throttle: Duration?, title: MustacheTemplate?, body: MustacheTemplate?, location: SourceLocation,
        condition: String?, predicate: Predicate?
    ) {
        self.name = name
        self.severity = severity
        self.triggers = triggers
        self.channels = channels
        self.groupBy = groupBy
        self.throttle = throttle
        self.title = title
        self.body = body
        self.location = location
        self.condition = condition
        self.predicate = predicate
    }

    /// True when the rule fires for `subject`: one of its triggers accepts the event and the
    /// `where` condition holds. Compiled at load: no parsing or lookup happens here.
    @inlinable
    public func matches(_ subject: RuleSubject) -> Bool {
        guard triggered(by: subject) else { return false }
        return conditionHolds(subject)
    }

    @usableFromInline
    func triggered(by subject: RuleSubject) -> Bool {
        for trigger in triggers where trigger.accepts(subject) { return true }
        return false
    }

    @usableFromInline
    func conditionHolds(_ subject: RuleSubject) -> Bool {
        guard let predicate else { return true }
        return predicate.evaluate(subject)
    }

    /// The smallest `overdue` duration among the triggers, if any.
    public var overdueThresholds: [Int] {
        triggers.compactMap { if case .overdue(let seconds) = $0 { seconds } else { nil } }
    }
}

/// A compiled `where` condition: a tree of closures built once at load.
struct Predicate: Sendable {
    let evaluate: @Sendable (RuleSubject) -> Bool
    init(_ evaluate: @escaping @Sendable (RuleSubject) -> Bool) { self.evaluate = evaluate }
}
