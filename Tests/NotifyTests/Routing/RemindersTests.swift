import Foundation
import Testing
import Watch

@testable import Notify

/// Routing, stage 6 (remind): `repeat every 1h while failed at most N times`.
@Suite struct RemindersTests {
    typealias F = ScheduleFixtures

    static func router(limit: Int = 3, extra: String = "") -> NotificationRouter {
        F.router("""
            \(extra)rule "Failed" {
              when failed
              notify ops
              repeat every 1h while failed at most \(limit) times
            }
            """)
    }

    let t = F.utc("2026-07-15T06:00:00Z")
    func at(_ minutes: Double) -> Date { t.addingTimeInterval(minutes * 60) }

    /// Runs cycles every 10 minutes for `hours`, carrying the scheduled state as the store
    /// would; returns the reminder titles in order and the final state.
    func run(_ router: NotificationRouter, first: [Event], hours: Int, from state: ScheduledState = ScheduledState())
        throws -> (titles: [String], state: ScheduledState)
    {
        var state = state
        var titles: [String] = []
        for step in 0...(hours * 6) {
            let now = at(Double(step * 10))
            let routing = router.route(step == 0 ? first : [], at: now, throttle: [:], openAlerts: [], scheduled: state)
            if step > 0 { titles += try F.documents(routing).map(\.message.title) }
            state = F.applied(routing, to: state)
        }
        return (titles, state)
    }

    @Test func remindersCappedAtTheirLimitThenForgotten() throws {
        let (titles, state) = try run(Self.router(limit: 3), first: [F.failed(cycle: 1, at: t)], hours: 6)
        #expect(titles == [
            "🔁 Reminder 1 of 3: Failed: still failed after 1h",
            "🔁 Reminder 2 of 3: Failed: still failed after 2h",
            "🔁 Reminder 3 of 3: Failed: still failed after 3h",
        ])
        #expect(state.reminders.isEmpty, "the last reminder allowed deletes the row")
    }

    @Test func reminderStopsOnResolve() throws {
        let router = Self.router()
        let opened = router.route([F.failed(cycle: 1, at: t)], at: t, throttle: [:], openAlerts: [], scheduled: ScheduledState())
        #expect(opened.reminders.keys.map(\.postId) == ["p1"])
        var state = F.applied(opened, to: ScheduledState())
        let posted = router.route([F.posted(cycle: 2, at: at(50))], at: at(50), throttle: [:], openAlerts: [], scheduled: state)
        #expect(posted.reminders == [ReminderKey(rule: "Failed", postId: "p1"): Reminder?.none])
        state = F.applied(posted, to: state)
        let (titles, _) = try run(router, first: [], hours: 3, from: state)
        #expect(titles.isEmpty)
    }

    /// A deletion ends it too, and so does a retry (failed → pending_render): the post is no
    /// longer failed.
    @Test func aDeletionOrARetryEndsTheReminder() {
        let router = Self.router()
        let state = F.applied(
            router.route([F.failed("p1", cycle: 1, at: t), F.failed("p2", cycle: 1, at: t)], at: t, throttle: [:], openAlerts: [], scheduled: ScheduledState()),
            to: ScheduledState())
        var deleted = Fixtures.event("p1", from: "failed", to: "deleted", kind: .deleted, detectedAt: at(70))
        deleted.cycle = 2
        var retried = Fixtures.event("p2", from: "failed", to: "pending_render", detectedAt: at(70))
        retried.cycle = 2
        let routing = router.route([deleted, retried], at: at(70), throttle: [:], openAlerts: [], scheduled: state)
        #expect(routing.notifications.isEmpty)
        #expect(F.applied(routing, to: state).reminders.isEmpty)
    }

    /// The same state and time give the same keys; the next reminder has another.
    @Test func reminderKeysAreDeterministic() {
        let router = Self.router()
        let state = F.applied(
            router.route([F.failed(cycle: 1, at: t)], at: t, throttle: [:], openAlerts: [], scheduled: ScheduledState()),
            to: ScheduledState())
        let first = router.route([], at: at(60), throttle: [:], openAlerts: [], scheduled: state)
        let again = router.route([], at: at(60), throttle: [:], openAlerts: [], scheduled: state)
        #expect(first.notifications.map(\.idempotencyKey) == again.notifications.map(\.idempotencyKey))
        let second = router.route([], at: at(120), throttle: [:], openAlerts: [], scheduled: F.applied(first, to: state))
        #expect(second.notifications.count == 1)
        #expect(Set(first.notifications.map(\.idempotencyKey)).isDisjoint(with: second.notifications.map(\.idempotencyKey)))
    }

    /// Inside the rule's window a due reminder waits, uncounted, and goes when the window ends.
    @Test func aReminderDueInsideTheRulesWindowWaits() throws {
        let router = F.router("""
            window "morning" {
              daily 06:30-08:00
              timezone "UTC"
            }
            rule "Failed" {
              when failed
              notify ops
              mute during "morning"
              repeat every 1h while failed at most 3 times
            }
            """)
        let (titles, _) = try run(router, first: [F.failed(cycle: 1, at: t)], hours: 3)
        // Opened at 06:00; 07:00 falls in the window; 08:00 is the first reminder.
        #expect(titles == ["🔁 Reminder 1 of 3: Failed: still failed after 2h", "🔁 Reminder 2 of 3: Failed: still failed after 3h"])
    }

    /// An overdue post is reminded of from its scheduled time.
    @Test func anOverdueReminderSaysHowLongSinceTheScheduledTime() throws {
        let router = F.router("""
            rule "Late" {
              when overdue 30m
              notify ops
              repeat every 1h while overdue
            }
            """)
        var overdue = Fixtures.event("p1", from: "generated", to: "generated", kind: .overdue, detectedAt: Fixtures.t0.addingTimeInterval(1800))
        overdue.cycle = 1
        let now = Fixtures.t0.addingTimeInterval(1800)
        let state = F.applied(router.route([overdue], at: now, throttle: [:], openAlerts: [], scheduled: ScheduledState()), to: ScheduledState())
        let reminder = router.route([], at: now.addingTimeInterval(3600), throttle: [:], openAlerts: [], scheduled: state)
        #expect(try F.documents(reminder).map(\.message.title) == ["🔁 Reminder 1 of 10: Late: still not posted 1h30m after its scheduled time"])
    }

    /// A reload that takes `repeat` out of a rule (or the rule away) forgets its reminders.
    @Test func remindersOfARuleThatNoLongerRemindsAreForgotten() {
        let state = ScheduledState(reminders: [ReminderKey(rule: "Failed", postId: "p1"): Reminder(
            event: F.failed(cycle: 1, at: t), groupKey: "", since: t, lastNotifiedAt: t)])
        let plain = F.router("rule \"Failed\" {\n  when failed\n  notify ops\n}")
        let routing = plain.route([], at: at(120), throttle: [:], openAlerts: [], scheduled: state)
        #expect(routing.notifications.isEmpty)
        #expect(routing.reminders == [ReminderKey(rule: "Failed", postId: "p1"): Reminder?.none])
    }
}
