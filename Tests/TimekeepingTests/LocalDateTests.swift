import Foundation
import Sandbox
import Testing

@testable import Timekeeping

/// The dates of one-off windows (`from 2026-12-24 18:00`): which exist, and their instants,
/// against Foundation's `Calendar` as the independent model.
@Suite struct LocalDateTests {
    @Test func onlyDaysOfTheCalendarExist() {
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2100, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
        #expect(LocalDate(year: 2026, month: 13, day: 1) == nil)
        #expect(LocalDate(year: 2026, month: 12, day: 0) == nil)
        #expect(LocalDate(year: 2026, month: 12, day: 24)?.description == "2026-12-24")
    }

    @Test(arguments: ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
    func instantsAgreeWithFoundationsCalendarOffTheJumps(zoneName: String) throws {
        let zone = TimeZone(identifier: zoneName)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var generator = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            let (year, month, day) = (1971 + Int(generator.next() % 120), 1 + Int(generator.next() % 12), 1 + Int(generator.next() % 28))
            // 04:00…23:59: no zone here jumps then, so the reading is unambiguous.
            let time = try #require(LocalTime(hour: 4 + Int(generator.next() % 20), minute: Int(generator.next() % 60)))
            let date = try #require(LocalDate(year: year, month: month, day: day))
            let expected = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: time.hour, minute: time.minute))
            #expect(date.instant(at: time, in: zone) == expected, "\(zoneName) \(date) \(time)")
        }
    }

    /// The one-off window's rules for a jump: 2026-03-29 02:30 in Berlin is the jump (01:00Z),
    /// 2026-10-25 02:30 the first reading (00:30Z).
    @Test func aOneOffWindowOnAJumpDayFollowsTheCalendarsRules() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let half = LocalTime(hour: 2, minute: 30)!
        #expect(LocalDate(year: 2026, month: 3, day: 29)!.instant(at: half, in: berlin) == TimeWindowTests.utc("2026-03-29T01:00:00Z"))
        #expect(LocalDate(year: 2026, month: 10, day: 25)!.instant(at: half, in: berlin) == TimeWindowTests.utc("2026-10-25T00:30:00Z"))
    }
}
