import Rules
import Watch

/// Routing, stage 2 (group): one message per rule and group key per cycle.
public enum EventGroups {
    /// Events by group key (`accountId=acc_1,platform=tiktok`; empty without `group by`), each
    /// group in the order given.
    public static func grouped(_ events: [Event], by fields: [String]) -> [String: [Event]] {
        var groups: [String: [Event]] = [:]
        for event in events {
            groups[key(of: event, by: fields), default: []].append(event)
        }
        return groups
    }

    /// The group key of one event.
    public static func key(of event: Event, by fields: [String]) -> String {
        fields.map { "\($0)=\(value($0, of: event))" }.joined(separator: ",")
    }

    /// The `group by` values of a message, in the rule's order, read from its first event
    /// (every event of a group shares them); empty for no events.
    public static func values(_ fields: [String], of events: [Event]) -> [(field: String, value: String)] {
        guard let first = events.first else { return [] }
        return fields.map { (field: $0, value: value($0, of: first)) }
    }

    /// The value of a `group by` field for an event (empty when the post has none). Rules
    /// says what each field groups by (``RuleSubject/groupValue(_:)``, an exhaustive switch);
    /// a name the checker would refuse has no value.
    public static func value(_ field: String, of event: Event) -> String {
        RuleSubject(event: event).groupValue(field) ?? ""
    }
}
