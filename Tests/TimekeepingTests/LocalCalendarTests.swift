import Foundation
import Sandbox
import Testing

@testable import Timekeeping

/// The civil-day arithmetic against Foundation's `Calendar` (the independent model), and the
/// readings of the clock on days it jumps.
@Suite struct LocalCalendarTests {
    @Test(arguments: ["UTC", "Europe/Berlin", "America/Santiago", "Pacific/Kiritimati", "America/St_Johns"])
    func daysAgreeWithFoundationsCalendar(zoneName: String) {
        let zone = TimeZone(identifier: zoneName)!
        let local = LocalCalendar(timeZone: zone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var generator = SeededRandom(seed: 42)
        for _ in 0..<3_000 {
            // 1901…2099, any second.
            let date = Date(timeIntervalSince1970: Double(Int64(generator.next() % 6_250_000_000)) - 2_175_000_000)
            let components = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let day = local.day(of: date)
            let civil = day.civil
            #expect(civil.year == components.year && civil.month == components.month && civil.day == components.day, "\(zoneName) \(date)")
            #expect(day.weekday.rawValue == components.weekday, "\(zoneName) \(date)")
            #expect(local.start(of: day) == calendar.startOfDay(for: date), "\(zoneName) \(date)")
        }
    }

    /// Santiago skips midnight when its clocks spring forward (2026-09-06 00:00 → 01:00): the
    /// day starts at the jump, and a time in the skipped hour is that instant too.
    @Test func aSkippedMidnightStartsTheDayAtTheJump() {
        let local = LocalCalendar(timeZone: TimeZone(identifier: "America/Santiago")!)
        let day = local.day(of: TimeWindowTests.utc("2026-09-06T12:00:00Z"))
        // 00:00 -04 would be 04:00Z; the clock reads 01:00 -03 at 04:00Z.
        #expect(local.start(of: day) == TimeWindowTests.utc("2026-09-06T04:00:00Z"))
        #expect(local.instant(LocalTime(hour: 0, minute: 30)!, on: day) == TimeWindowTests.utc("2026-09-06T04:00:00Z"))
        #expect(local.instant(LocalTime(hour: 1, minute: 30)!, on: day) == TimeWindowTests.utc("2026-09-06T04:30:00Z"))
    }
}
