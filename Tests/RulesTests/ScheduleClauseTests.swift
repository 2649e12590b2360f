import Foundation
import Testing
import Timekeeping
@testable import Rules

/// Maintenance windows, `mute during`, `digest` and `repeat`: parsed and checked into the
/// Timekeeping values the router uses, and every mistake `rules lint` explains.
@Suite struct ScheduleClauseTests {
    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static let windows = """
        window "weekend" {
          every sat, sun
          timezone "Europe/Berlin"
        }
        window "nightly" {
          daily 22:00-07:00
          timezone America/New_York
        }
        window "launch" {
          from 2026-12-24 18:00 until 2026-12-27 08:00
          timezone "UTC"
        }
        window "month-end" {
          on day 1, -1 09:00-10:00
          every mon-fri 12:00-13:00
          timezone Europe/Berlin
        }
        channel ops = console mute during "nightly"
        rule "r" {
          when failed
          notify ops
          mute during "weekend", "launch", "month-end"
          digest at 09:00, 17:00 Europe/Berlin
          repeat every 1h while failed at most 5 times
        }
        """

    @Test func windowsDigestsAndRemindersLoad() throws {
        let set = try RuleSet.load(source: Self.windows, name: "w.rules")
        #expect(set.warnings.isEmpty)
        #expect(Set(set.windows.keys) == ["weekend", "nightly", "launch", "month-end"])
        let weekend = try #require(set.windows["weekend"])
        #expect(weekend.parts == [TimeWindow(.recurring(days: .weekdays([.sat, .sun]), start: nil, end: nil), timeZone: Self.berlin)])
        // Saturday 2026-03-28 00:00 in Berlin is 2026-03-27T23:00Z.
        #expect(weekend.contains(Self.utc("2026-03-27T23:00:00Z")) && !weekend.contains(Self.utc("2026-03-27T22:59:59Z")))
        let launch = try #require(set.windows["launch"])
        #expect(launch.parts == [TimeWindow(.once(from: Self.utc("2026-12-24T18:00:00Z"), until: Self.utc("2026-12-27T08:00:00Z")), timeZone: TimeZone(identifier: "UTC")!)])
        let monthEnd = try #require(set.windows["month-end"])
        #expect(monthEnd.parts.count == 2)
        #expect(monthEnd.parts[0].occurrence == .recurring(days: .daysOfMonth([1, -1]), start: LocalTime(hour: 9, minute: 0), end: LocalTime(hour: 10, minute: 0)))
        #expect(monthEnd.parts[1].occurrence == .recurring(days: .weekdays([.mon, .tue, .wed, .thu, .fri]), start: LocalTime(hour: 12, minute: 0), end: LocalTime(hour: 13, minute: 0)))
        #expect(set.channels["ops"]?.muteDuring.map(\.name) == ["nightly"])
        let rule = try #require(set.rules.first)
        #expect(rule.muteDuring.map(\.name) == ["weekend", "launch", "month-end"])
        #expect(rule.digest == DigestSchedule(.at([LocalTime(hour: 9, minute: 0)!, LocalTime(hour: 17, minute: 0)!]), timeZone: Self.berlin))
        #expect(rule.reminder == ReminderPolicy(interval: .seconds(3600), state: .failed, limit: 5))
    }

    @Test func digestEveryAndTheDefaultReminderCap() throws {
        let rule = try #require(try Fixture.rule("when overdue 30m\ndigest every 1h\nrepeat every 2h while overdue"))
        #expect(rule.digest == DigestSchedule(.every(.seconds(3600))))
        #expect(rule.reminder == ReminderPolicy(interval: .seconds(7200), state: .overdue, limit: ReminderPolicy.defaultLimit))
    }

    /// A window's closing time chains occurrences that meet: Sunday's end is Monday's night.
    @Test func aWindowClosesAtTheEndOfTheStretchItIsIn() throws {
        let set = try RuleSet.load(source: """
            window "w" {
              every sat, sun
              every mon 00:00-06:00
              timezone "UTC"
            }
            rule "r" {
              when failed
              notify console
              mute during "w"
            }
            """)
        let window = try #require(set.windows["w"])
        #expect(window.closes(after: Self.utc("2026-03-28T12:00:00Z")) == Self.utc("2026-03-30T06:00:00Z"))
        #expect(window.closes(after: Self.utc("2026-03-30T07:00:00Z")) == nil)
    }

    @Test(arguments: [
        ("window \"w\" {\n  dialy 22:00-07:00\n  timezone \"UTC\"\n}", "2:3: error: unknown window clause 'dialy'; did you mean 'daily'?"),
        ("window \"w\" {\n  daily 25:00-07:00\n  timezone \"UTC\"\n}", "2:9: error: '25:00' is not a time of day (00:00 to 23:59)"),
        ("window \"w\" {\n  daily 22:00-24:00\n  timezone \"UTC\"\n}", "2:15: error: '24:00' is not a time of day: write 00:00"),
        ("window \"w\" {\n  every\n  timezone \"UTC\"\n}", "2:8: error: 'every' needs the days of the week, as in: every sat, sun"),
        ("window \"w\" {\n  every sat, sunday, mnday\n  timezone \"UTC\"\n}", "2:22: error: unknown day 'mnday'; did you mean 'monday'?"),
        ("window \"w\" {\n  every sat\n  timezone \"Europe/Berln\"\n}", "3:12: error: unknown timezone 'Europe/Berln'; did you mean 'Europe/Berlin'?"),
        ("window \"w\" {\n  every sat\n}", "1:8: error: window \"w\" needs a timezone"),
        ("window \"w\" {\n  timezone \"UTC\"\n}", "1:8: error: window \"w\" says no time"),
        ("window \"w\" {\n  on day 0, 32\n  timezone \"UTC\"\n}", "2:10: error: day 0 is not a day of the month"),
        ("window \"w\" {\n  from 2026-02-30 until 2026-03-01\n  timezone \"UTC\"\n}", "2:8: error: '2026-02-30' is not a day of the calendar"),
        ("window \"w\" {\n  from 2026-03-02 until 2026-03-01\n  timezone \"UTC\"\n}", "2:25: error: this window ends before it starts"),
        ("rule \"r\" {\n  when failed\n  notify console\n  mute during \"wekend\"\n}\nwindow \"weekend\" {\n  every sat\n  timezone \"UTC\"\n}",
         "4:15: error: unknown window \"wekend\"; did you mean \"weekend\"?"),
        ("rule \"r\" {\n  when failed\n  notify console\n  digest at 09:00\n}", "4:13: error: a digest at times of day needs their timezone"),
        ("rule \"r\" {\n  when failed\n  notify console\n  digest every 30s\n}", "4:16: error: a digest every 30s is no digest"),
        ("rule \"r\" {\n  when failed\n  notify console\n  digest at 09:00 UTC\n  throttle 1h\n}",
         "5:3: error: a rule with 'digest' sends at its digest times, and 'throttle' would hold those back"),
        ("rule \"r\" {\n  when failed\n  notify console\n  repeat every 30s while failed\n}", "4:16: error: reminders come at most every 1m"),
        ("rule \"r\" {\n  when failed\n  notify console\n  repeat every 1h while faild\n}", "4:25: error: unknown reminder state 'faild'; did you mean 'failed'?"),
        ("rule \"r\" {\n  when posted\n  notify console\n  repeat every 1h while failed\n}", "4:3: error: 'repeat … while failed' needs a trigger that leaves the post failed"),
        ("rule \"r\" {\n  when failed\n  notify console\n  repeat every 1h while failed at most 0 times\n}", "4:32: error: 'at most 0 times': a reminder cap is 1 to 1000"),
        ("rule \"r\" {\n  when failed\n  notify console\n  digest daily\n}", "4:10: error: expected 'at' or 'every' after 'digest'"),
        ("window \"w\" {\n  every sat\n  timezone \"UTC\"\n}", "1:8: warning: window \"w\" is not used by any rule or channel"),
        ("channel ops = console\nwindow \"w\" {\n  every sat\n  timezone \"UTC\"\n  notify osp\n}", "5:10: error: unknown channel 'osp'; did you mean 'ops'?"),
        ("channel pd = pagerduty env:PD\nwindow \"w\" {\n  every sat\n  timezone \"UTC\"\n  notify pd\n}", "5:10: error: a window's notice goes to chat, email or a webhook"),
    ])
    func mistakesAreExplainedWhereTheyAre(_ source: String, _ expected: String) {
        let diagnostics = Fixture.diagnostics(source, name: "t.rules", environment: ["PD": "0123456789abcdef0123456789abcdef"])
        #expect(diagnostics.contains { $0.hasPrefix("t.rules:" + expected) }, "\(diagnostics)")
    }
}
