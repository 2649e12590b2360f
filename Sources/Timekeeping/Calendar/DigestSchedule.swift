import Foundation

/// When a digest is sent: at times of day in a timezone (`digest at 09:00, 17:00
/// Europe/Berlin`), or at a fixed period (`digest every 1h`).
///
/// A time the clock skips (02:30 on the spring-forward night) is sent when the clock jumps
/// past it; a time the clock reads twice (fall back) is sent once, at its first reading. A
/// period is aligned on the Unix epoch (`every 1h`: on the hour, UTC), so a restart keeps the
/// cadence.
public struct DigestSchedule: Sendable, Hashable {
    public enum Times: Sendable, Hashable {
        case at([LocalTime])
        case every(Duration)
    }

    public let times: Times
    public var timeZone: TimeZone { calendar.timeZone }
    private let calendar: LocalCalendar

    public init(_ times: Times, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.times = times
        calendar = LocalCalendar(timeZone: timeZone)
    }

    /// The first send time strictly after `date`; nil for an empty schedule.
    public func next(after date: Date) -> Date? {
        switch times {
        case .at(let times):
            // The day before too: its late times can fall after `date` on a day the clock
            // fell back; two days on: a time just passed comes again tomorrow.
            let today = calendar.day(of: date)
            return [today.previous, today, today.next, today.next.next]
                .flatMap { day in times.map { calendar.instant($0, on: day) } }
                .filter { $0 > date }.min()
        case .every(let period):
            let seconds = period.secondsValue
            guard seconds >= 1 else { return nil }
            let elapsed = date.timeIntervalSince1970
            return Date(timeIntervalSince1970: (floor(elapsed / seconds) + 1) * seconds)
        }
    }

    /// The last send time in `(after, through]`, nil when none falls in it: what a daemon that
    /// was down sends when it starts, once however many times it missed.
    public func latest(after: Date, through: Date) -> Date? {
        guard through > after else { return nil }
        switch times {
        case .at:
            // Every time of day comes once a day: the last one before `through` is within the
            // two days before it, however long the daemon was down.
            var latest: Date?
            var cursor = max(after, through.addingTimeInterval(-2 * 86_400))
            while let next = next(after: cursor), next <= through {
                latest = next
                cursor = next
            }
            return latest
        case .every(let period):
            let seconds = period.secondsValue
            guard seconds >= 1 else { return nil }
            let last = Date(timeIntervalSince1970: floor(through.timeIntervalSince1970 / seconds) * seconds)
            return last > after ? last : nil
        }
    }
}
