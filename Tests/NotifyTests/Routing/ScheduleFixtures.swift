import Foundation
import Rules
import Watch

@testable import Notify

/// Rules with windows, digests and reminders, and a stand-in for the store's side of
/// ``ScheduledState`` (what the commit would write), for the routing tests of issue 16.
enum ScheduleFixtures {
    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// A router over rule-file text (channels `ops` and `team`, consoles, declared here).
    static func router(_ text: String) -> NotificationRouter {
        let source = "channel ops = console\nchannel team = console\n" + text
        do {
            return NotificationRouter(ruleSet: try RuleSet.load(source: source, name: "schedules.rules"))
        } catch {
            preconditionFailure("the fixture rules do not load: \(error)")
        }
    }

    /// A `pending_render → failed` event of `post`, found by cycle `cycle` at `at`.
    static func failed(_ post: String = "p1", account: String = "acc_1", cycle: Int64, at: Date) -> Event {
        var event = Fixtures.event(post, account: account, detectedAt: at)
        event.cycle = cycle
        return event
    }

    static func posted(_ post: String = "p1", cycle: Int64, at: Date) -> Event {
        var event = Fixtures.event(post, from: "failed", to: "posted", detectedAt: at)
        event.cycle = cycle
        return event
    }

    /// What the store holds after committing `routing` (``SQLiteStore/commitSchedules``'s
    /// order: a sent digest's events go before new ones are collected).
    static func applied(_ routing: Routing, to state: ScheduledState) -> ScheduledState {
        var state = state
        for (rule, date) in routing.digestsSent {
            state.digests[rule] = nil
            state.digestsSentAt[rule] = date
        }
        for entry in routing.digestEntries {
            state.digests[entry.rule, default: [:]][entry.groupKey, default: []].append(entry.event)
        }
        for (key, reminder) in routing.reminders {
            state.reminders[key] = reminder
        }
        return state
    }

    static func documents(_ routing: Routing) throws -> [NotificationDocument] {
        try routing.notifications.map { try NotificationDocument.decode($0.payload) }
    }
}
