import Timekeeping

/// The `when` part of a rule: which events it looks at.
public enum Trigger: Sendable, Hashable, CustomStringConvertible {
    /// `from -> to`; `from == nil` is `*` (any previous status, including `new`).
    /// `when failed` is `.transition(from: nil, to: "failed")`; `from` may be `"new"`.
    case transition(from: String?, to: String)
    /// `overdue 30m`: still `generated`/`pending_render` this long after `scheduledTime`.
    case overdue(seconds: Int)
    /// `deleted`: the post vanished from two consecutive complete snapshots.
    case deleted

    /// The rule-language spelling (`* -> failed`, `overdue 30m`, `deleted`).
    public var description: String {
        switch self {
        case .transition(let from, let to): "\(from ?? "*") -> \(to)"
        case .overdue(let seconds): "overdue \(Duration.seconds(seconds).compactDescription)"
        case .deleted: "deleted"
        }
    }

    /// True when an event of `subject` is one this trigger looks at.
    @inline(__always)
    func accepts(_ subject: RuleSubject) -> Bool {
        switch self {
        case .transition(let from, let to):
            subject.kind == .transition && subject.to == to && (from == nil || subject.from == from)
        case .overdue(let seconds):
            subject.kind == .overdue && subject.overdueSeconds == seconds
        case .deleted:
            subject.kind == .deleted
        }
    }
}
