import Foundation
import Sandbox
import Testing

@testable import Notify
@testable import PostgresState

/// The shared store's send slots (``SendSlot``, GCRA: one number per destination in a row) and
/// the single process's token buckets (``RateLimiter``) are one rate limit: on generated runs of
/// sends, quiet spells and `Retry-After` pauses, every send waits as long under either.
@Suite struct SendSlotTests {
    @Test(arguments: UInt64(0)..<24)
    func theSlotAndTheBucketAgree(_ seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let perSecond = [0.5, 1, 2, 5, 30].randomElement(using: &random)!
        let burst = Int.random(in: 1...5, using: &random)
        let limit = RateLimit(perSecond: perSecond, burst: burst)
        let limiter = RateLimiter()
        var tat: Double?
        var pausedUntil: Double?
        var now = 1_750_000_000.0
        var sent = false
        for step in 0..<300 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2:
                // A quiet spell, up to three intervals.
                now += Double.random(in: 0...3, using: &random) / perSecond
            case 3 where sent:
                // A `Retry-After` answer (only ever after a send: the bucket exists by then).
                let until = now + Double(Int.random(in: 0...10, using: &random))
                limiter.pause("d", until: Date(timeIntervalSince1970: until))
                pausedUntil = max(pausedUntil ?? until, until)
            default:
                let bucket = limiter.reserve("d", limit: limit, at: Date(timeIntervalSince1970: now)).secondsValue
                let slot = SendSlot.next(tat: tat, pausedUntil: pausedUntil, now: now, perSecond: perSecond, burst: burst)
                tat = slot.tat
                sent = true
                // The bucket rounds its waits up to the millisecond.
                #expect(abs(bucket - (slot.at - now)) < 0.0015, "step \(step): bucket \(bucket) s, slot \(slot.at - now) s")
            }
        }
    }

    /// Without a limit only the pause holds a send back, and the slot state is left alone.
    @Test func noLimitOnlyThePause() {
        #expect(SendSlot.next(tat: 5, pausedUntil: nil, now: 10, perSecond: nil, burst: 1) == SendSlot(at: 10, tat: 5))
        #expect(SendSlot.next(tat: nil, pausedUntil: 30, now: 10, perSecond: nil, burst: 1) == SendSlot(at: 30, tat: nil))
    }

    /// After a pause the sends resume at the limit from its end: the burst, then one every
    /// interval, not everything that waited at once.
    @Test func afterAPauseTheBurstThenTheRate() {
        var tat: Double? = 10
        var slots: [Double] = []
        for _ in 0..<5 {
            let slot = SendSlot.next(tat: tat, pausedUntil: 100, now: 20, perSecond: 1, burst: 2)
            tat = slot.tat
            slots.append(slot.at)
        }
        #expect(slots == [100, 100, 101, 102, 103])
    }
}
