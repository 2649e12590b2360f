import Foundation
import Sandbox
import Testing
import Timekeeping

/// `digest at 09:00, 17:00 Europe/Berlin` and `digest every 1h`: the next send time, a time the
/// clock skips or reads twice, and what a daemon that was down sends when it starts.
@Suite struct DigestScheduleTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static func utc(_ text: String) -> Date { TimeWindowTests.utc(text) }
    static func at(_ times: String..., in zone: TimeZone = berlin) -> DigestSchedule {
        DigestSchedule(.at(times.map { LocalTime(parsing: $0)! }), timeZone: zone)
    }

    @Test func theNextTimeIsTheEarliestOfTheDaysTimesInTheScheduleZone() {
        let schedule = Self.at("09:00", "17:00")
        // 09:00 CET is 08:00Z in December.
        #expect(schedule.next(after: Self.utc("2026-12-03T07:00:00Z")) == Self.utc("2026-12-03T08:00:00Z"))
        #expect(schedule.next(after: Self.utc("2026-12-03T08:00:00Z")) == Self.utc("2026-12-03T16:00:00Z"), "strictly after")
        #expect(schedule.next(after: Self.utc("2026-12-03T16:00:00Z")) == Self.utc("2026-12-04T08:00:00Z"))
        // In summer, CEST: 07:00Z.
        #expect(schedule.next(after: Self.utc("2026-07-01T00:00:00Z")) == Self.utc("2026-07-01T07:00:00Z"))
    }

    /// 02:30 does not exist in Berlin on 2026-03-29: the digest goes when the clock jumps
    /// past it (03:00 CEST, 01:00Z), once.
    @Test func aSkippedTimeIsSentAtTheJump() {
        let schedule = Self.at("02:30")
        #expect(schedule.next(after: Self.utc("2026-03-28T12:00:00Z")) == Self.utc("2026-03-29T01:00:00Z"))
        #expect(schedule.next(after: Self.utc("2026-03-29T01:00:00Z")) == Self.utc("2026-03-30T00:30:00Z"))
    }

    /// 02:30 is read twice in Berlin on 2026-10-25 (00:30Z CEST, 01:30Z CET): sent once, at
    /// the first reading.
    @Test func aRepeatedTimeIsSentOnce() {
        let schedule = Self.at("02:30")
        let first = Self.utc("2026-10-25T00:30:00Z")
        #expect(schedule.next(after: Self.utc("2026-10-24T12:00:00Z")) == first)
        #expect(schedule.next(after: first) == Self.utc("2026-10-26T01:30:00Z"))
    }

    /// A daemon down from Monday 08:00 to Wednesday 20:00 missed five digests: it sends one
    /// when it starts, the last one's (Wednesday 17:00).
    @Test func missedTimesWhileDownAreSentOnceAtStart() {
        let schedule = Self.at("09:00", "17:00")
        let latest = schedule.latest(after: Self.utc("2026-11-30T07:00:00Z"), through: Self.utc("2026-12-02T19:00:00Z"))
        #expect(latest == Self.utc("2026-12-02T16:00:00Z"))
        #expect(schedule.latest(after: Self.utc("2026-12-02T16:00:00Z"), through: Self.utc("2026-12-02T19:00:00Z")) == nil, "already sent")
        // Down for a year: still one, found without walking the year.
        #expect(schedule.latest(after: Self.utc("2025-12-01T00:00:00Z"), through: Self.utc("2026-12-02T19:00:00Z")) == Self.utc("2026-12-02T16:00:00Z"))
    }

    @Test func aPeriodIsAlignedOnTheEpochSoARestartKeepsTheCadence() {
        let hourly = DigestSchedule(.every(.seconds(3600)))
        #expect(hourly.next(after: Self.utc("2026-12-03T10:20:00Z")) == Self.utc("2026-12-03T11:00:00Z"))
        #expect(hourly.next(after: Self.utc("2026-12-03T11:00:00Z")) == Self.utc("2026-12-03T12:00:00Z"))
        #expect(hourly.latest(after: Self.utc("2026-12-03T08:30:00Z"), through: Self.utc("2026-12-03T11:10:00Z")) == Self.utc("2026-12-03T11:00:00Z"))
        #expect(hourly.latest(after: Self.utc("2026-12-03T11:00:00Z"), through: Self.utc("2026-12-03T11:10:00Z")) == nil)
    }

    /// Over a year of random times in zones with clock changes: every day has each time once
    /// (on a skipped reading, at the jump), the sequence strictly increases, and consecutive
    /// sends of a one-time schedule are 23 to 25 hours apart.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"])
    func oneSendPerDayAndTimeThroughAYear(zoneName: String) {
        var generator = SeededRandom(seed: UInt64(zoneName.utf8.count))
        for _ in 0..<6 {
            let time = LocalTime(hour: Int(generator.next() % 24), minute: Int(generator.next() % 60))!
            let schedule = DigestSchedule(.at([time]), timeZone: TimeZone(identifier: zoneName)!)
            var previous = Self.utc("2026-01-01T00:00:00Z")
            var sends = 0
            while let next = schedule.next(after: previous), next < Self.utc("2027-01-01T00:00:00Z") {
                if sends > 0 {
                    let gap = next.timeIntervalSince(previous)
                    #expect((23 * 3600 - 1_800...25 * 3600 + 1_800).contains(gap), "\(zoneName) \(time): \(gap / 3600) h before \(next)")
                }
                previous = next
                sends += 1
            }
            #expect((364...366).contains(sends), "\(zoneName) \(time): \(sends) sends in 2026")
        }
    }
}
