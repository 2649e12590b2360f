import Foundation

/// What the time-driven routing stages remember between cycles: the events a digest collects,
/// when each digest last went out, and the open reminders.
///
/// Read whole each cycle (``Store/scheduledState()``): a digest or a reminder is due by the
/// clock, with or without an event of its post. Written by the cycle's commit
/// (``CycleCommit/digestEntries``, ``CycleCommit/digestsSent``, ``CycleCommit/reminders``).
public struct ScheduledState: Sendable, Hashable {
    /// Collected events, by rule then group key, oldest first.
    public var digests: [String: [String: [Event]]]
    /// Per rule, the digest time last handled: sent, or passed with nothing to send. The next
    /// digest is the first schedule time after it.
    public var digestsSentAt: [String: Date]
    public var reminders: [ReminderKey: Reminder]
    /// When the last complete cycle started (nil before the first): a window opened or closed
    /// since then owes its notice.
    public var lastCycleAt: Date?
    /// Silences that ended and owe their summary (``Store/endedSilences(at:)``; the Poller
    /// reads them each cycle).
    public var endedSilences: [EndedSilence] = []

    public init(
        digests: [String: [String: [Event]]] = [:], digestsSentAt: [String: Date] = [:],
        reminders: [ReminderKey: Reminder] = [:], lastCycleAt: Date? = nil
    ) {
        self.digests = digests
        self.digestsSentAt = digestsSentAt
        self.reminders = reminders
        self.lastCycleAt = lastCycleAt
    }
}
