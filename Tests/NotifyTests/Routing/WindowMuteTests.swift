import Foundation
import Testing
import Watch

@testable import Notify

/// Routing, stage 2 (mute): maintenance windows, with the DST days and the timezones named.
/// Nothing here reads the process's timezone: every window names its own, and every instant is
/// written in UTC.
@Suite struct WindowMuteTests {
    typealias F = ScheduleFixtures

    static func windowRule(_ window: String, channelMute: Bool = false) -> String {
        """
        window "w" {
          \(window)
        }
        rule "Failed" {
          when failed
          notify ops, team
          \(channelMute ? "" : "mute during \"w\"")
        }
        """
    }

    func route(_ router: NotificationRouter, at now: Date) -> Routing {
        router.route([F.failed(cycle: 1, at: now)], at: now, throttle: [:], openAlerts: [], scheduled: ScheduledState())
    }

    /// Berlin springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST: 02:30 never
    /// shows, so `02:30-03:30` opens at the jump and lasts 30 minutes.
    @Test func springForwardDayA0230WindowOpensAtTheJumpInBerlin() throws {
        let router = F.router(Self.windowRule("daily 02:30-03:30\n  timezone \"Europe/Berlin\""))
        #expect(route(router, at: F.utc("2026-03-29T00:59:00Z")).notifications.count == 2)
        let inside = route(router, at: F.utc("2026-03-29T01:10:00Z"))
        #expect(inside.notifications.isEmpty)
        #expect(inside.held.map(\.reason) == ["window \"w\" until 2026-03-29T03:30:00+02:00"])
        #expect(inside.held.map(\.window) == ["w"] && inside.held.map(\.until) == [F.utc("2026-03-29T01:30:00Z")])
        #expect(inside.fired == [["Failed"]], "a muted rule still fired")
        #expect(route(router, at: F.utc("2026-03-29T01:30:00Z")).held.isEmpty)
    }

    /// Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET: 02:30 shows twice.
    /// The window opens at the first reading and stays open through the repeated hour, until
    /// 03:30 CET (02:30Z): two hours, not two pieces.
    @Test func autumnRepeatedHourWindowStaysOpenThroughBothReadings() throws {
        let router = F.router(Self.windowRule("daily 02:30-03:30\n  timezone \"Europe/Berlin\""))
        #expect(route(router, at: F.utc("2026-10-25T00:29:00Z")).held.isEmpty)
        #expect(route(router, at: F.utc("2026-10-25T00:30:00Z")).held.count == 1)  // first 02:30 (CEST)
        let repeated = route(router, at: F.utc("2026-10-25T01:45:00Z"))  // second 02:45 (CET)
        #expect(repeated.held.map(\.reason) == ["window \"w\" until 2026-10-25T03:30:00+01:00"])
        #expect(route(router, at: F.utc("2026-10-25T02:30:00Z")).held.isEmpty)
    }

    /// `22:00-07:00` in New York: from 22:00 EDT (02:00Z next day) to 07:00 EDT (11:00Z).
    @Test func aWindowCrossingMidnightCoversTheNightInItsOwnTimezone() {
        let router = F.router(Self.windowRule("daily 22:00-07:00\n  timezone America/New_York"))
        #expect(route(router, at: F.utc("2026-07-15T01:59:00Z")).held.isEmpty)
        #expect(route(router, at: F.utc("2026-07-15T02:00:00Z")).held.count == 1)
        let morning = route(router, at: F.utc("2026-07-15T10:59:00Z"))
        #expect(morning.held.map(\.reason) == ["window \"w\" until 2026-07-15T07:00:00-04:00"])
        #expect(route(router, at: F.utc("2026-07-15T11:00:00Z")).notifications.count == 2)
    }

    /// A window in Tokyo (UTC+9, no DST) on a server anywhere: 09:00-10:00 Tokyo is
    /// 00:00-01:00Z, whatever the process's TZ says.
    @Test func aWindowInAnotherTimezoneThanTheServersFollowsItsOwnClock() {
        let router = F.router(Self.windowRule("every mon-fri 09:00-10:00\n  timezone Asia/Tokyo"))
        // Monday 2026-03-02.
        #expect(route(router, at: F.utc("2026-03-02T00:30:00Z")).held.count == 1)
        #expect(route(router, at: F.utc("2026-03-02T09:30:00Z")).held.isEmpty, "09:30 UTC is 18:30 in Tokyo")
        // Sunday 2026-03-01 09:30 Tokyo: not a weekday.
        #expect(route(router, at: F.utc("2026-03-01T00:30:00Z")).held.isEmpty)
    }

    /// A window is a test of the time, not a remembered state: a daemon that starts (a new
    /// router, no state at all) inside the weekend is muted, and unmuted when it ends.
    @Test func daemonRestartedInsideAWindowIsStillMuted() {
        let rules = Self.windowRule("every sat, sun\n  timezone \"Europe/Berlin\"")
        // Saturday 2026-03-28 12:00 Berlin, after a restart.
        let restarted = F.router(rules)
        let saturday = route(restarted, at: F.utc("2026-03-28T11:00:00Z"))
        #expect(saturday.notifications.isEmpty)
        #expect(saturday.held.map(\.reason) == ["window \"w\" until 2026-03-30T00:00:00+02:00"])
        // Monday 00:00 Berlin (CEST since Sunday): 2026-03-29T22:00Z.
        #expect(route(F.router(rules), at: F.utc("2026-03-29T21:59:59Z")).held.count == 1)
        #expect(route(F.router(rules), at: F.utc("2026-03-29T22:00:00Z")).notifications.count == 2)
    }

    /// A channel's own window keeps the message from that channel only; the record names it.
    @Test func aMutedChannelMissesTheMessageAndOthersGetIt() throws {
        let router = F.router("""
            window "w" {
              daily 00:00-12:00
              timezone "UTC"
            }
            channel pager = console mute during "w"
            rule "Failed" {
              when failed
              notify ops, pager
            }
            """)
        let routing = route(router, at: F.utc("2026-07-15T06:00:00Z"))
        #expect(routing.notifications.map(\.channel) == ["ops"])
        #expect(routing.held.map(\.channel) == ["pager"])
        #expect(routing.held.map(\.reason) == ["window \"w\" until 2026-07-15T12:00:00Z"])
        #expect(route(router, at: F.utc("2026-07-15T12:00:00Z")).notifications.map(\.channel) == ["ops", "pager"])
    }

    /// Every event a window mutes is accounted for, and a window muting one rule leaves the
    /// others alone.
    @Test func mutedEventsAreRecordedOneByOneAndOtherRulesStillSend() {
        let router = F.router("""
            window "w" {
              every day
              timezone "UTC"
            }
            rule "Muted" {
              when failed
              notify ops
              mute during "w"
            }
            rule "Loud" {
              when failed
              notify team
            }
            """)
        let now = F.utc("2026-07-15T06:00:00Z")
        let events = (1...3).map { F.failed("p\($0)", cycle: 1, at: now) }
        let routing = router.route(events, at: now, throttle: [:], openAlerts: [], scheduled: ScheduledState())
        #expect(routing.held.map(\.postId) == ["p1", "p2", "p3"])
        #expect(routing.held.allSatisfy { $0.rule == "Muted" && $0.channel == nil })
        #expect(routing.notifications.map(\.rule) == ["Loud"])
    }
}
