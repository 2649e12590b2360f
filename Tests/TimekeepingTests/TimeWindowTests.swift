import Foundation
import Sandbox
import Testing
import Timekeeping

/// Maintenance windows: the clock jumps of DST named one by one, windows crossing midnight, a
/// timezone other than the server's, and random windows checked against a model.
@Suite struct TimeWindowTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let utc = TimeZone(identifier: "UTC")!

    /// `2026-03-29T01:00:00Z`.
    static func utc(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    static func time(_ text: String) -> LocalTime { LocalTime(parsing: text)! }

    static func daily(_ start: String, _ end: String, in zone: TimeZone = berlin, days: TimeWindow.Days = .everyDay) -> TimeWindow {
        TimeWindow(.recurring(days: days, start: time(start), end: time(end)), timeZone: zone)
    }

    // MARK: DST, named

    /// Berlin springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST: 02:30 does
    /// not exist, so the window opens when the clock jumps past it and lasts 30 minutes.
    @Test func springForwardAWindowStartingInTheSkippedHourOpensAtTheJump() {
        let window = Self.daily("02:30", "03:30")
        #expect(window.interval(containing: Self.utc("2026-03-29T01:10:00Z")) == Self.utc("2026-03-29T01:00:00Z")..<Self.utc("2026-03-29T01:30:00Z"))
        #expect(!window.contains(Self.utc("2026-03-29T00:59:59Z")))
        #expect(window.contains(Self.utc("2026-03-29T01:00:00Z")))
        #expect(!window.contains(Self.utc("2026-03-29T01:30:00Z")))
        // The day before, an ordinary hour: 02:30 CET is 01:30Z.
        #expect(window.interval(containing: Self.utc("2026-03-28T02:00:00Z")) == Self.utc("2026-03-28T01:30:00Z")..<Self.utc("2026-03-28T02:30:00Z"))
    }

    /// Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET: 02:30 is read
    /// twice. The window opens at the first reading and closes at 03:30 CET: two hours, in one
    /// piece (it does not close at 03:00 CEST and open again).
    @Test func fallBackAWindowInTheRepeatedHourOpensAtItsFirstReadingAndDoesNotFlicker() {
        let window = Self.daily("02:30", "03:30")
        let occurrence = Self.utc("2026-10-25T00:30:00Z")..<Self.utc("2026-10-25T02:30:00Z")
        for probe in ["2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:15:00Z", "2026-10-25T02:29:59Z"] {
            #expect(window.interval(containing: Self.utc(probe)) == occurrence, "\(probe)")
        }
        #expect(!window.contains(Self.utc("2026-10-25T00:29:59Z")))
        #expect(!window.contains(Self.utc("2026-10-25T02:30:00Z")))
        #expect(window.nextChange(after: Self.utc("2026-10-25T00:30:00Z")) == Self.utc("2026-10-25T02:30:00Z"))
    }

    /// A digest-free weekend: `every sat, sun` all day covers exactly the local weekend, 48
    /// hours, or 47 when the clocks spring forward inside it.
    @Test func anAllDayWeekendWindowFollowsTheLocalDaysAcrossAClockChange() {
        let weekend = TimeWindow(.recurring(days: .weekdays([.sat, .sun]), start: nil, end: nil), timeZone: Self.berlin)
        // Saturday 2026-03-28 00:00 CET = 2026-03-27T23:00Z; Monday 00:00 CEST = 2026-03-29T22:00Z.
        #expect(weekend.contains(Self.utc("2026-03-27T23:00:00Z")))
        #expect(!weekend.contains(Self.utc("2026-03-27T22:59:59Z")))
        #expect(weekend.contains(Self.utc("2026-03-29T21:59:59Z")))
        #expect(!weekend.contains(Self.utc("2026-03-29T22:00:00Z")))
        #expect(weekend.nextChange(after: Self.utc("2026-03-28T12:00:00Z")) == Self.utc("2026-03-28T23:00:00Z"), "Saturday ends, Sunday begins: a change of occurrence")
    }

    /// New York springs forward on 2026-03-08 at 02:00 EST (07:00Z): a 22:00-07:00 window from
    /// Saturday night is 8 hours long, not 9.
    @Test func aWindowCrossingMidnightOverAClockChangeEndsAtTheLocalTime() {
        let night = Self.daily("22:00", "07:00", in: Self.newYork)
        let occurrence = night.interval(containing: Self.utc("2026-03-08T06:00:00Z"))
        #expect(occurrence == Self.utc("2026-03-08T03:00:00Z")..<Self.utc("2026-03-08T11:00:00Z"))
    }

    // MARK: Crossing midnight, days, zones

    @Test func aWindowCrossingMidnightBelongsToTheDayItStarts() {
        // Fridays 22:00 until Saturday 06:00, UTC.
        let window = Self.daily("22:00", "06:00", in: Self.utc, days: .weekdays([.fri]))
        #expect(window.contains(Self.utc("2026-12-04T22:00:00Z")))  // Friday
        #expect(window.contains(Self.utc("2026-12-05T05:59:00Z")))  // Saturday morning
        #expect(!window.contains(Self.utc("2026-12-05T22:30:00Z")))  // Saturday night
        #expect(!window.contains(Self.utc("2026-12-04T05:00:00Z")))  // Friday morning: Thursday's night is not listed
    }

    @Test func theWindowsTimezoneIsItsOwnNotTheServers() {
        // 09:00-17:00 in Tokyo is 00:00-08:00 UTC.
        let window = Self.daily("09:00", "17:00", in: TimeZone(identifier: "Asia/Tokyo")!)
        #expect(window.contains(Self.utc("2026-12-03T00:00:00Z")))
        #expect(window.contains(Self.utc("2026-12-03T07:59:00Z")))
        #expect(!window.contains(Self.utc("2026-12-03T08:00:00Z")))
    }

    @Test func theLastDayOfTheMonthAndADayThatAMonthLacks() {
        let last = TimeWindow(.recurring(days: .daysOfMonth([-1]), start: nil, end: nil), timeZone: Self.utc)
        #expect(last.contains(Self.utc("2026-02-28T12:00:00Z")))
        #expect(!last.contains(Self.utc("2026-02-27T12:00:00Z")))
        #expect(last.contains(Self.utc("2026-12-31T00:00:00Z")))
        let thirtyFirst = TimeWindow(.recurring(days: .daysOfMonth([31]), start: nil, end: nil), timeZone: Self.utc)
        #expect(!thirtyFirst.contains(Self.utc("2026-04-30T12:00:00Z")))
        #expect(thirtyFirst.nextChange(after: Self.utc("2026-04-01T00:00:00Z")) == Self.utc("2026-05-31T00:00:00Z"))
    }

    @Test func aOneOffWindowIsItsInterval() {
        let window = TimeWindow(.once(from: Self.utc("2026-12-24T17:00:00Z"), until: Self.utc("2026-12-27T07:00:00Z")), timeZone: Self.berlin)
        #expect(window.contains(Self.utc("2026-12-24T17:00:00Z")))
        #expect(!window.contains(Self.utc("2026-12-27T07:00:00Z")))
        #expect(window.nextChange(after: Self.utc("2026-12-01T00:00:00Z")) == Self.utc("2026-12-24T17:00:00Z"))
        #expect(window.nextChange(after: Self.utc("2026-12-28T00:00:00Z")) == nil)
    }

    // MARK: Generated

    /// In a zone without clock changes, an occurrence-based window and a reading of the wall
    /// clock agree: random windows, checked every 13 minutes (every time of day in turn) over
    /// two weeks against that reading (an independent model: arithmetic on minutes, no Calendar).
    @Test(arguments: [0, 330, -600, 345])
    func randomWindowsInFixedOffsetZonesMatchTheWallClockModel(offsetMinutes: Int) {
        var generator = SeededRandom(seed: UInt64(bitPattern: Int64(offsetMinutes)) &+ 17)
        let zone = TimeZone(secondsFromGMT: offsetMinutes * 60)!
        let origin = Self.utc("2026-11-30T00:00:00Z")  // a Monday
        for _ in 0..<12 {
            let start = LocalTime(hour: Int(generator.next() % 24), minute: Int(generator.next() % 4) * 15)!
            let end = LocalTime(hour: Int(generator.next() % 24), minute: Int(generator.next() % 4) * 15)!
            let days = Set(Weekday.allCases.filter { _ in generator.next() % 2 == 0 })
            let window = TimeWindow(.recurring(days: .weekdays(days), start: start, end: end), timeZone: zone)
            var minute = 0
            while minute < 14 * 1440 {
                let date = origin.addingTimeInterval(Double(minute * 60))
                let expected = Self.modelContains(
                    minuteUTC: minute, offset: offsetMinutes, days: days, start: start.minutesSinceMidnight, end: end.minutesSinceMidnight)
                #expect(window.contains(date) == expected, "\(start)-\(end) \(days.sorted()) at \(date) offset \(offsetMinutes)")
                if window.contains(date) != expected { return }
                minute += 13
            }
        }
    }

    /// Monday 00:00 UTC is minute 0; `days` by Weekday.
    static func modelContains(minuteUTC: Int, offset: Int, days: Set<Weekday>, start: Int, end: Int) -> Bool {
        let local = minuteUTC + offset + 14 * 1440  // keep it positive
        let minuteOfDay = local % 1440
        let dayIndex = (local / 1440) % 7  // 0 = Monday
        let weekday = { (index: Int) in Weekday(rawValue: (index + 1) % 7 + 1)! }
        let today = days.contains(weekday(dayIndex))
        let yesterday = days.contains(weekday((dayIndex + 6) % 7))
        if start < end { return today && start <= minuteOfDay && minuteOfDay < end }
        return (today && minuteOfDay >= start) || (yesterday && minuteOfDay < end)
    }

    /// Around the clock changes of several zones: the window's state is constant from any
    /// instant up to its `nextChange`, and differs right at it.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"])
    func theStateHoldsUntilTheNextChangeAndFlipsThere(zoneName: String) {
        let zone = TimeZone(identifier: zoneName)!
        var generator = SeededRandom(seed: UInt64(zoneName.utf8.count) &* 7919)
        for _ in 0..<12 {
            let start = LocalTime(hour: Int(generator.next() % 24), minute: Int(generator.next() % 60))!
            let end = LocalTime(hour: Int(generator.next() % 24), minute: Int(generator.next() % 60))!
            let window = TimeWindow(.recurring(days: .everyDay, start: start, end: end), timeZone: zone)
            // Through a year in steps of 5 hours 7 minutes: every clock change of the zone.
            var date = Self.utc("2026-01-01T00:00:00Z")
            while date < Self.utc("2027-01-01T00:00:00Z") {
                let state = window.contains(date)
                guard let change = window.nextChange(after: date) else {
                    Issue.record("\(zoneName) \(start)-\(end): no next change after \(date)")
                    return
                }
                #expect(change > date && change.timeIntervalSince(date) <= 2 * 86_400)
                #expect(window.contains(change.addingTimeInterval(-1)) == state, "\(zoneName) \(start)-\(end) before \(change)")
                #expect(window.contains(change) != state || window.interval(containing: change) != window.interval(containing: date),
                    "\(zoneName) \(start)-\(end) at \(change)")
                date = date.addingTimeInterval(5 * 3600 + 7 * 60)
            }
        }
    }
}
