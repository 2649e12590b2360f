import Foundation

/// Local days and readings of the clock in one timezone, with the rules for days the clock
/// jumps, shared by ``TimeWindow`` and ``DigestSchedule``:
/// - a reading the clock skips (02:30 on the spring-forward night) is the instant it jumps;
/// - a reading the clock shows twice (02:30 on the fall-back night) is the first one.
///
/// Days are counted with civil-calendar arithmetic and offsets read from the timezone, not
/// with `Calendar.nextDate` (60 µs a call here, hundreds in a debug build, where this is 1).
struct LocalCalendar: Sendable, Hashable {
    let timeZone: TimeZone
    private let calendar: Calendar

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    // Equal when the zones are: the calendar is made from the zone.
    static func == (lhs: LocalCalendar, rhs: LocalCalendar) -> Bool { lhs.timeZone == rhs.timeZone }
    func hash(into hasher: inout Hasher) { hasher.combine(timeZone) }

    /// A local calendar day: days since 1970-01-01.
    struct Day: Sendable, Hashable, Comparable {
        let number: Int

        var next: Day { Day(number: number + 1) }
        var previous: Day { Day(number: number - 1) }

        /// Year, month (1…12) and day (1…31), by Howard Hinnant's `civil_from_days`.
        var civil: (year: Int, month: Int, day: Int) {
            let z = number + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthPrime = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
            let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
            return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }

        var weekday: Weekday {
            // 1970-01-01 was a Thursday.
            Weekday(rawValue: ((number % 7 + 7) % 7 + 4) % 7 + 1)!
        }

        var isLastOfMonth: Bool { next.civil.day == 1 }

        static func < (lhs: Day, rhs: Day) -> Bool { lhs.number < rhs.number }
    }

    /// The local day `date` falls on.
    func day(of date: Date) -> Day {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        return Day(number: Int((local / 86_400).rounded(.down)))
    }

    /// The instant the clock reads `time` on `day` (see the type's rules for a jump).
    func instant(_ time: LocalTime, on day: Day) -> Date {
        let (year, month, dayOfMonth) = day.civil
        let wanted = Double(day.number * 86_400 + time.minutesSinceMidnight * 60)
        // `date(from:)` reads a repeated time at its first reading, and a skipped one with
        // the offset from before the jump (02:30 → 03:30 of the new time).
        guard
            let date = calendar.date(
                from: DateComponents(year: year, month: month, day: dayOfMonth, hour: time.hour, minute: time.minute))
        else { return Date(timeIntervalSince1970: wanted) }
        let reading = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        guard reading > wanted else { return date }
        // Skipped: the jump is the clock change just before `date`, at most the gap before it.
        let gap = reading - wanted
        return timeZone.nextDaylightSavingTimeTransition(after: date.addingTimeInterval(-gap - 1)).map { min($0, date) } ?? date
    }

    /// The instant `day` begins (its midnight, or the jump when the clock skips midnight).
    func start(of day: Day) -> Date {
        instant(.midnight, on: day)
    }
}
