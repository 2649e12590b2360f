import Foundation
import Timekeeping
import Watch

/// `postwatch outbox list|show ID|retry ID|drop ID`: what is waiting, delivered or dead, and
/// the two things an operator does about it.
public struct OutboxAdmin: Sendable {
    let outbox: any Outbox
    let clock: any WallClock

    public init(outbox: any Outbox, clock: any WallClock = SystemClock()) {
        self.outbox = outbox
        self.clock = clock
    }

    /// The table of entries (newest first) in a state, or all, and a line of counts.
    public func list(state: OutboxEntry.State? = nil, limit: Int = 100) async throws(CommandError) -> String {
        do {
            let entries = try await outbox.entries(in: state, limit: limit)
            let depth = try await outbox.depth()
            let counts = OutboxEntry.State.allCases.map { "\(depth[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            if entries.isEmpty {
                // `--only dead` with nothing dead is not an empty outbox: the counts say what is there.
                guard let state else { return "The outbox is empty (\(counts)).\n" }
                return "No \(state.rawValue) notifications (\(counts)).\n"
            }
            return OutboxTable(entries: entries, now: clock.now).rendered() + "\n" + counts + "\n"
        } catch {
            throw CommandError(.configuration, "cannot read the outbox: \(error)")
        }
    }

    /// One entry in full: its state, times, the whole last error (the table cuts it) and the
    /// message it carries. An unknown ID is an error.
    public func show(id: Int64) async throws(CommandError) -> String {
        let found: OutboxEntry?
        do {
            found = try await outbox.entry(id)
        } catch {
            throw CommandError(.configuration, "cannot read the outbox: \(error)")
        }
        guard let entry = found else { throw CommandError(.configuration, "no notification with ID \(id)") }
        return OutboxEntryDetails(entry: entry, now: clock.now).rendered()
    }

    /// Makes a dead or pending entry due now; an unknown or delivered ID is an error.
    public func retry(id: Int64) async throws(CommandError) -> String {
        let done: Bool
        do {
            done = try await outbox.retry(id, at: clock.now)
        } catch {
            throw CommandError(.configuration, "cannot update the outbox: \(error)")
        }
        guard done else { throw CommandError(.configuration, "no pending or dead notification with ID \(id)") }
        return "Notification \(id) will be sent on the next delivery.\n"
    }

    /// Makes every dead entry due now (after the destination was fixed), like `retry ID` each.
    public func retryAllDead() async throws(CommandError) -> String {
        var retried = 0
        do {
            // The dead entries as they are now; one that a delivery revives meanwhile is skipped.
            for entry in try await outbox.entries(in: .dead, limit: Int.max) where try await outbox.retry(entry.id, at: clock.now) {
                retried += 1
            }
        } catch {
            throw CommandError(.configuration, "cannot update the outbox: \(error)")
        }
        return retried == 0
            ? "No dead notifications to retry.\n"
            : "\(retried) dead notification\(retried == 1 ? "" : "s") will be sent on the next delivery.\n"
    }

    /// Deletes an entry; an unknown ID is an error.
    public func drop(id: Int64) async throws(CommandError) -> String {
        let done: Bool
        do {
            done = try await outbox.drop(id)
        } catch {
            throw CommandError(.configuration, "cannot update the outbox: \(error)")
        }
        guard done else { throw CommandError(.configuration, "no notification with ID \(id)") }
        return "Notification \(id) dropped.\n"
    }
}
