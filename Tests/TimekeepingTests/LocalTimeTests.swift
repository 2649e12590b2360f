import Testing
import Timekeeping

@Suite struct LocalTimeTests {
    @Test(arguments: [("09:00", 540), ("00:00", 0), ("23:59", 1439), ("07:05", 425)])
    func aTimeOfDayIsRead(text: String, minutes: Int) {
        #expect(LocalTime(parsing: text)?.minutesSinceMidnight == minutes)
        #expect(LocalTime(parsing: text)?.description == text)
    }

    @Test(arguments: ["24:00", "9:00", "09:60", "0900", "09:00:00", "", "ab:cd", "-1:00", "٠٩:٠٠"])
    func anythingElseIsNot(text: String) {
        #expect(LocalTime(parsing: text) == nil)
    }

    @Test func weekdaysByNameAndRangesWrappingPastSunday() {
        #expect(Weekday(parsing: "Mon") == .mon)
        #expect(Weekday(parsing: "saturday") == .sat)
        #expect(Weekday(parsing: "sa") == nil)
        #expect(Weekday.range(.mon, .fri) == [.mon, .tue, .wed, .thu, .fri])
        #expect(Weekday.range(.fri, .mon) == [.fri, .sat, .sun, .mon])
        #expect(Weekday.range(.sun, .sun) == [.sun])
        #expect(Weekday.allCases.sorted().first == .mon)
    }
}
