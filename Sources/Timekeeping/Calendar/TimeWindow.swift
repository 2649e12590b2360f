import Foundation

/// A maintenance window: when notifications are muted, in a timezone of its own.
///
/// One-off (`from 2026-12-24 18:00 until 2026-12-27 08:00`), or recurring: on some days
/// (every day, some weekdays, some days of the month) all day or between two times of day,
/// crossing midnight when the end is not after the start (`22:00-07:00`: from 22:00 on a
/// listed day until 07:00 the next morning, whatever day that is).
///
/// Each occurrence is an interval of instants, never a test of the wall clock's reading, so a
/// window does not flicker when the clock jumps:
/// - a start or end time the clock skips (02:30 on the night clocks spring forward) is the
///   instant the clock jumps past it (03:00 of the new time);
/// - a time the clock reads twice (02:30 on the night clocks fall back) is its first reading.
///
/// So `02:30-03:30` lasts 30 minutes on the spring-forward night and two hours on the
/// fall-back night (from the first 02:30 to 03:30), and `every sat, sun` (all day) covers the
/// weekend exactly whatever the offsets. The timezone is the window's, not the server's.
public struct TimeWindow: Sendable, Hashable {
    /// Which local days a recurring window occurs on.
    public enum Days: Sendable, Hashable {
        case everyDay
        case weekdays(Set<Weekday>)
        /// 1…31, and -1 for the last day of the month; a 31 in a shorter month is no day.
        case daysOfMonth(Set<Int>)
    }

    public enum Occurrence: Sendable, Hashable {
        /// `[from, until)`.
        case once(from: Date, until: Date)
        /// On `days`, from `start` until `end` (local times; both nil: all day). An `end` not
        /// after `start` is on the next day.
        case recurring(days: Days, start: LocalTime?, end: LocalTime?)
    }

    public let occurrence: Occurrence
    public var timeZone: TimeZone { calendar.timeZone }
    private let calendar: LocalCalendar

    public init(_ occurrence: Occurrence, timeZone: TimeZone) {
        self.occurrence = occurrence
        calendar = LocalCalendar(timeZone: timeZone)
    }

    /// Whether `date` is inside the window.
    public func contains(_ date: Date) -> Bool {
        interval(containing: date) != nil
    }

    /// The occurrence `date` is in, as `[start, end)`; nil outside the window.
    public func interval(containing date: Date) -> Range<Date>? {
        switch occurrence {
        case .once(let from, let until):
            return from <= date && date < until ? from..<until : nil
        case .recurring:
            // An occurrence lasts at most a day and starts on its own local day: only the
            // occurrences of the day before and of `date`'s day can hold it.
            let today = calendar.day(of: date)
            for day in [today.previous, today] {
                if let range = recurringInterval(on: day), range.contains(date) { return range }
            }
            return nil
        }
    }

    /// The first instant after `date` at which the window opens or closes (or one occurrence
    /// ends as the next begins); nil when it never does again (a one-off window in the past,
    /// a recurring one on no day that exists).
    public func nextChange(after date: Date) -> Date? {
        switch occurrence {
        case .once(let from, let until):
            return [from, until].filter { $0 > date }.min()
        case .recurring:
            var day = calendar.day(of: date).previous
            // 64 days reach any day of the month listed (a 31st two months on at most).
            for _ in 0..<64 {
                if let range = recurringInterval(on: day) {
                    if range.lowerBound > date { return range.lowerBound }
                    if range.upperBound > date { return range.upperBound }
                }
                day = day.next
            }
            return nil
        }
    }

    /// The occurrence that starts on `day`, if the window has one.
    func recurringInterval(on day: LocalCalendar.Day) -> Range<Date>? {
        guard case .recurring(let days, let start, let end) = occurrence, occurs(on: day, days) else { return nil }
        let startTime = start ?? .midnight
        let endTime = end ?? .midnight
        let opens = calendar.instant(startTime, on: day)
        // Not after the start (all day, `22:00-07:00`): the end is on the next day.
        let closes = calendar.instant(endTime, on: endTime <= startTime ? day.next : day)
        return closes > opens ? opens..<closes : nil
    }

    func occurs(on day: LocalCalendar.Day, _ days: Days) -> Bool {
        switch days {
        case .everyDay: true
        case .weekdays(let weekdays): weekdays.contains(day.weekday)
        case .daysOfMonth(let numbers): numbers.contains(day.civil.day) || (numbers.contains(-1) && day.isLastOfMonth)
        }
    }
}
