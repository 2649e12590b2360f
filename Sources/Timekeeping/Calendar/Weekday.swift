/// A day of the week as rule files write it (`mon` … `sun`), numbered as `Calendar` does
/// (Sunday 1 … Saturday 7).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case sun = 1, mon, tue, wed, thu, fri, sat

    /// `mon`, `monday`, `Mon` (case-insensitive, three letters or the full name).
    public init?(parsing text: String) {
        let lower = text.lowercased()
        guard let day = Self.allCases.first(where: { lower == $0.description || lower == $0.fullName }) else { return nil }
        self = day
    }

    public var description: String {
        switch self {
        case .sun: "sun"
        case .mon: "mon"
        case .tue: "tue"
        case .wed: "wed"
        case .thu: "thu"
        case .fri: "fri"
        case .sat: "sat"
        }
    }

    public var fullName: String {
        switch self {
        case .sun: "sunday"
        case .mon: "monday"
        case .tue: "tuesday"
        case .wed: "wednesday"
        case .thu: "thursday"
        case .fri: "friday"
        case .sat: "saturday"
        }
    }

    /// `mon-fri`: the days from `first` to `last`, wrapping past Sunday (`fri-mon`).
    public static func range(_ first: Weekday, _ last: Weekday) -> Set<Weekday> {
        var days: Set<Weekday> = [first]
        var day = first
        while day != last {
            day = Weekday(rawValue: day.rawValue % 7 + 1)!
            days.insert(day)
        }
        return days
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        // Monday first, as calendars in most of the world (and ISO 8601) have it.
        (lhs.rawValue + 5) % 7 < (rhs.rawValue + 5) % 7
    }
}
