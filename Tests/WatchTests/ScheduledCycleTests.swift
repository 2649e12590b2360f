import Foundation
import Infinipost
import Synchronization
import Testing
@testable import Watch

/// The cycle's side of digests and reminders: every complete cycle routes with the store's
/// ``ScheduledState`` and the time, events or not, and what the router changes in it commits
/// with the cycle (or not at all, for a dry run).
@Suite struct ScheduledCycleTests {
    let listing = FakeListing()
    let store: SQLiteStore
    let router = ReminderRouter()

    init() throws {
        store = try SQLiteStore(path: Fixture.tempPath())
    }

    @Test func aCycleWithoutEventsStillRoutesTheScheduledStateAndCommitsItsChanges() async throws {
        listing.put(Fixture.post("p1"))
        let poller = Poller(listing: listing, store: store, router: router)
        _ = try await poller.runOnce(now: Fixture.t0)  // the baseline: the router opens a reminder
        #expect(try await store.scheduledState().reminders.values.map(\.count) == [0])

        // Nothing changes in the listing: no events, and the reminder is still due by the clock.
        let later = Fixture.t0.addingTimeInterval(3600)
        let report = try await poller.runOnce(now: later)
        #expect(report.events.isEmpty)
        #expect(router.calls.withLock { $0.last?.now } == later)
        #expect(try await store.scheduledState().reminders.values.map(\.count) == [1])
        #expect(try await store.depth()[.pending] == 1, "the reminder's notification, in the same commit")

        _ = try await poller.runOnce(now: later.addingTimeInterval(3600), dryRun: true)
        #expect(try await store.scheduledState().reminders.values.map(\.count) == [1], "a dry run writes nothing")
    }
}

/// Opens one reminder on its first call, then counts it up and queues a notification each call.
final class ReminderRouter: Router {
    let calls = Mutex<[(now: Date, events: Int)]>([])
    var overdueThresholds: [Int] { [] }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: [], silences: [], scheduled: ScheduledState())
    }

    func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing {
        calls.withLock { $0.append((now, events.count)) }
        var routing = Routing()
        let key = ReminderKey(rule: "r", postId: "p1")
        guard var reminder = scheduled.reminders[key] else {
            routing.reminders[key] = Reminder(
                event: Fixture.event("p1", at: now), groupKey: "", since: now, lastNotifiedAt: now)
            return routing
        }
        reminder.count += 1
        reminder.lastNotifiedAt = now
        routing.reminders[key] = reminder
        routing.notifications = [OutboxDraft(idempotencyKey: "reminder-\(reminder.count)", channel: "c", rule: "r", payload: Data("{}".utf8))]
        return routing
    }
}
