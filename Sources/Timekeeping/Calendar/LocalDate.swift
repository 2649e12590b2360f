import Foundation

/// A day of the calendar as a rule file writes it (`2026-12-24`): where a one-off maintenance
/// window starts or ends, read in the window's timezone.
public struct LocalDate: Sendable, Hashable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// nil unless the day exists (`2026-02-29` does not), years 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        let number = Self.daysSinceEpoch(year: year, month: month, day: day)
        // A 31st of a 30-day month is the 1st of the next: the round trip tells.
        guard LocalCalendar.Day(number: number).civil == (year, month, day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The instant the clock of `timeZone` reads `time` on this day, with ``LocalCalendar``'s
    /// rules for a jump (a skipped reading is the jump, a repeated one its first reading).
    public func instant(at time: LocalTime, in timeZone: TimeZone) -> Date {
        LocalCalendar(timeZone: timeZone).instant(time, on: LocalCalendar.Day(number: Self.daysSinceEpoch(year: year, month: month, day: day)))
    }

    /// A date ``LocalCalendar/Day/civil`` gave: real by construction.
    init(checkedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Howard Hinnant's `days_from_civil`: days since 1970-01-01 (``LocalCalendar/Day/civil``'s inverse).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension LocalDate {
    /// The date and the wall time of `date` at `offset` seconds from UTC (a zone's offset at that
    /// instant), by the civil calendar's arithmetic (proleptic Gregorian): no calendar object, no
    /// ICU. The weekday is 1 (Sunday) … 7 (Saturday), as ``Weekday`` counts.
    public static func civil(_ date: Date, offset: Int) -> (date: LocalDate, weekday: Int, hour: Int, minute: Int) {
        let seconds = Int((date.timeIntervalSince1970).rounded(.down)) + offset
        let day = LocalCalendar.Day(number: Int((Double(seconds) / 86_400).rounded(.down)))
        let secondOfDay = seconds - day.number * 86_400
        let (year, month, dayOfMonth) = day.civil
        // Valid by construction: civil_from_days gives a real date.
        return (LocalDate(checkedYear: year, month: month, day: dayOfMonth), day.weekday.rawValue, secondOfDay / 3600, secondOfDay % 3600 / 60)
    }
}

