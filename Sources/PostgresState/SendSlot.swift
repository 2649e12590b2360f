/// One destination's next send slot, by the generic cell rate algorithm (GCRA): the
/// destination keeps a theoretical arrival time `tat`; a send at `now` may go at
/// `max(now, tat − (burst − 1)·T, pausedUntil)` with `T = 1 / perSecond`, and moves `tat` to
/// `max(tat, slot) + T`. `burst` sends go at once after a quiet spell, then one every `T`: the
/// token bucket of Notify's `RateLimiter`, kept as one number a database row can hold.
///
/// Times are seconds since 1970 on the database's clock (``PostgresStore/permit(entry:destination:perSecond:burst:at:)``).
struct SendSlot: Sendable, Hashable {
    /// When the send may go.
    var at: Double
    /// The destination's theoretical arrival time after this send; unchanged without a limit.
    var tat: Double?

    /// The slot of one more send to a destination whose state is `tat` and `pausedUntil`
    /// (nil: never sent to, never paused); `perSecond` nil: no rate limit, only the pause.
    static func next(tat: Double?, pausedUntil: Double?, now: Double, perSecond: Double?, burst: Int) -> SendSlot {
        var at = max(now, pausedUntil ?? now)
        guard let perSecond, perSecond > 0 else { return SendSlot(at: at, tat: tat) }
        let interval = 1 / perSecond
        if let tat { at = max(at, tat - Double(max(1, burst) - 1) * interval) }
        // From the slot, not from `now`: sends held back by a pause must not all go at its end.
        return SendSlot(at: at, tat: max(tat ?? at, at) + interval)
    }
}
