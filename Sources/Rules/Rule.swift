import Mustache
import Timekeeping

/// One rule of a rule file, checked and compiled: which events it watches, the condition on
/// them, where it sends, and how messages are grouped and throttled.
public struct Rule: Sendable {
    // One reference: a rule is copied on every `for rule in rules`, and copying a dozen
    // reference-counted fields per evaluation was most of the cost of `matches`.
    private let storage: Storage

    private final class Storage: Sendable {
        let name: String
        let severity: Severity
        let triggers: [Trigger]
        let channels: [String]
        let groupBy: [String]
        let throttle: Duration?
        let title: MustacheTemplate?
        let body: MustacheTemplate?
        let location: SourceLocation
        let condition: String?
        let predicate: Predicate?
        let resolution: Resolution
        let schedules: Schedules

        init(
            name: String, severity: Severity, triggers: [Trigger], channels: [String], groupBy: [String],
            throttle: Duration?, title: MustacheTemplate?, body: MustacheTemplate?, location: SourceLocation,
            condition: String?, predicate: Predicate?, resolution: Resolution, schedules: Schedules
        ) {
            self.resolution = resolution
            self.schedules = schedules
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
    }

    /// The name between quotes; unique across a rule set (it keys throttles and the outbox).
    public var name: String { storage.name }
    /// `severity`, default `warning`.
    public var severity: Severity { storage.severity }
    /// The `when` events, in the order written.
    public var triggers: [Trigger] { storage.triggers }
    /// Names of the channels to notify (keys of `RuleSet.channels`; inline destinations have a
    /// synthesized declaration there).
    public var channels: [String] { storage.channels }
    /// `group by` field names (empty: one group).
    public var groupBy: [String] { storage.groupBy }
    /// `throttle`: at most one message per group per this long.
    public var throttle: Duration? { storage.throttle }
    /// `title` and `body` Mustache templates; nil means the channel's default.
    public var title: MustacheTemplate? { storage.title }
    public var body: MustacheTemplate? { storage.body }
    /// Where `rule "…"` is written.
    public var location: SourceLocation { storage.location }
    /// The `where` condition as written (normalised spacing), for display; nil without one.
    public var condition: String? { storage.condition }
    /// The `resolve` clause (``Resolution/automatic`` without one).
    public var resolution: Resolution { storage.resolution }
    /// `mute during "…"`: the windows in which the rule's events are held, not sent.
    public var muteDuring: [MaintenanceWindow] { storage.schedules.muteDuring }
    /// `digest at …` / `digest every …`: the rule's events are collected and sent at these times.
    public var digest: DigestSchedule? { storage.schedules.digest }
    /// `repeat every … while …`: reminders about a post that stays in trouble.
    public var reminder: ReminderPolicy? { storage.schedules.reminder }

    /// A rule's clauses about time, together.
    public struct Schedules: Sendable {
        public var muteDuring: [MaintenanceWindow]
        public var digest: DigestSchedule?
        public var reminder: ReminderPolicy?
        public init(muteDuring: [MaintenanceWindow] = [], digest: DigestSchedule? = nil, reminder: ReminderPolicy? = nil) {
            self.muteDuring = muteDuring
            self.digest = digest
            self.reminder = reminder
        }
    }

    /// A rule built in code (tests, tools); rule files go through `RuleSet.load`.
    public init(
        name: String, severity: Severity = .warning, triggers: [Trigger], channels: [String],
        groupBy: [String] = [], throttle: Duration? = nil, title: MustacheTemplate? = nil,
        body: MustacheTemplate? = nil, location: SourceLocation = SourceLocation(file: "<code>", line: 0, column: 0),
        condition: String? = nil, resolution: Resolution = .automatic, schedules: Schedules = Schedules(),
        where predicate: (@Sendable (RuleSubject) -> Bool)? = nil
    ) {
        self.init(
            name: name, severity: severity, triggers: triggers, channels: channels, groupBy: groupBy,
            throttle: throttle, title: title, body: body, location: location, condition: condition,
            predicate: predicate.map(Predicate.init), resolution: resolution, schedules: schedules)
    }

    init(
        name: String, severity: Severity, triggers: [Trigger], channels: [String], groupBy: [String],
        throttle: Duration?, title: MustacheTemplate?, body: MustacheTemplate?, location: SourceLocation,
        condition: String?, predicate: Predicate?, resolution: Resolution = .automatic, schedules: Schedules = Schedules()
    ) {
        storage = Storage(
            name: name, severity: severity, triggers: triggers, channels: channels, groupBy: groupBy,
            throttle: throttle, title: title, body: body, location: location, condition: condition,
            predicate: predicate, resolution: resolution, schedules: schedules)
    }

    /// True when the rule fires for `subject`: one of its triggers accepts the event and the
    /// `where` condition holds. Compiled at load: no parsing or lookup happens here.
    public func matches(_ subject: RuleSubject) -> Bool {
        let storage = self.storage
        for trigger in storage.triggers where trigger.accepts(subject) {
            guard let predicate = storage.predicate else { return true }
            return predicate.evaluate(subject)
        }
        return false
    }

    /// The `overdue` durations among the triggers, in seconds.
    public var overdueThresholds: [Int] {
        triggers.compactMap { if case .overdue(let seconds) = $0 { seconds } else { nil } }
    }
}

/// A compiled `where` condition: a tree of closures built once at load.
struct Predicate: Sendable {
    let evaluate: @Sendable (RuleSubject) -> Bool
    init(_ evaluate: @escaping @Sendable (RuleSubject) -> Bool) { self.evaluate = evaluate }
}
