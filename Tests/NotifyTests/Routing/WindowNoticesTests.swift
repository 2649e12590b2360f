import Foundation
import Rules
import Timekeeping
import Testing
import Watch

@testable import Notify

/// Routing, last stage (notice): a window's `notify` channels are told when it opens and when
/// it closes, once each, judged from the last complete cycle's time.
@Suite struct WindowNoticesTests {
    typealias F = ScheduleFixtures

    static let router = F.router("""
        window "night" {
          daily 22:00-07:00
          timezone "UTC"
          notify ops, team
        }
        rule "Failed" {
          when failed
          notify ops
          mute during "night"
        }
        """)

    func titles(from previous: String?, to now: String) throws -> [String] {
        let routing = Self.router.route(
            [], at: F.utc(now), throttle: [:], openAlerts: [], scheduled: ScheduledState(lastCycleAt: previous.map(F.utc)))
        return try F.documents(routing).map { "\($0.channel): \($0.message.title)" }
    }

    @Test func channelsAreToldWhenTheWindowOpensAndCloses() throws {
        #expect(try titles(from: "2026-07-15T21:59:00Z", to: "2026-07-15T22:01:00Z") == [
            "ops: 🔧 Maintenance window \"night\" started, until 2026-07-16T07:00:00Z",
            "team: 🔧 Maintenance window \"night\" started, until 2026-07-16T07:00:00Z",
        ])
        #expect(try titles(from: "2026-07-15T22:01:00Z", to: "2026-07-15T22:02:00Z").isEmpty)
        #expect(try titles(from: "2026-07-16T06:59:00Z", to: "2026-07-16T07:00:00Z") == [
            "ops: ✅ Maintenance window \"night\" ended", "team: ✅ Maintenance window \"night\" ended",
        ])
        #expect(try titles(from: "2026-07-16T07:00:00Z", to: "2026-07-16T08:00:00Z").isEmpty)
    }

    /// No earlier cycle: nothing to compare with, no notice. Down over a whole window: nothing
    /// it would have muted came, no notice. Started inside one it was outside of: it started.
    @Test func aRestartIsJudgedFromTheLastCycleBeforeIt() throws {
        #expect(try titles(from: nil, to: "2026-07-15T23:00:00Z").isEmpty)
        #expect(try titles(from: "2026-07-15T21:00:00Z", to: "2026-07-16T08:00:00Z").isEmpty)
        #expect(try titles(from: "2026-07-15T12:00:00Z", to: "2026-07-16T03:00:00Z").count == 2)
    }

    /// Keyed by the window and the instant it changed: a cycle re-run after a crash (same last
    /// cycle, a later `now`) queues the same keys.
    @Test func noticeKeysAreTheSameWhenACycleIsRunAgain() {
        let keys = { (now: String) in
            Self.router.route([], at: F.utc(now), throttle: [:], openAlerts: [], scheduled: ScheduledState(lastCycleAt: F.utc("2026-07-15T21:59:00Z")))
                .notifications.map(\.idempotencyKey)
        }
        #expect(keys("2026-07-15T22:01:00Z").count == 2)
        #expect(keys("2026-07-15T22:01:00Z") == keys("2026-07-15T22:03:30Z"))
    }
}

extension WindowNoticesTests {
    /// A notice carries no post: every kind a window may notify sends it, with its title.
    @Test(arguments: ChannelKind.allCases.filter { $0 != .pagerduty })
    func everyKindButPagerDutySendsANotice(kind: ChannelKind) throws {
        let window = MaintenanceWindow(
            name: "night", parts: [TimeWindow(.recurring(days: .everyDay, start: LocalTime(hour: 22, minute: 0), end: LocalTime(hour: 7, minute: 0)), timeZone: TimeZone(identifier: "UTC")!)],
            timeZone: TimeZone(identifier: "UTC")!, notices: ["c"])
        let router = NotificationRouter(rules: [], channelKinds: ["c": kind], noticeWindows: [window])
        let routing = router.route(
            [], at: F.utc("2026-07-15T22:01:00Z"), throttle: [:], openAlerts: [],
            scheduled: ScheduledState(lastCycleAt: F.utc("2026-07-15T21:59:00Z")))
        let document = try #require(try F.documents(routing).first)
        #expect(document.message.title.contains("Maintenance window"))
        let channel = try ChannelRegistryTests.factory.channel(for: ChannelRegistryTests.declaration(kind))
        if let http = channel as? any HTTPChannel {
            let requests = try http.requests(for: document)
            #expect(!requests.isEmpty)
            #expect(requests.contains { String(decoding: $0.body ?? Data(), as: UTF8.self).contains("night") }, "\(kind)")
        }
    }
}
