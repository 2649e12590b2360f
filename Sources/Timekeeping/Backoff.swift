/// Full-jitter exponential backoff, the one postwatch uses everywhere it waits after a failure
/// (an API page, a notification, the daemon's cycle): retry n waits a random time between zero
/// and `min(cap, base × 2ⁿ⁻¹)`, so many retries spread out instead of marching together.
///
/// ```swift
/// let backoff = Backoff(base: .seconds(2), cap: .seconds(600))
/// backoff.ceiling(attempt: 3)                 // .seconds(8)
/// backoff.delay(attempt: 3, random: 0.5)      // .seconds(4)
/// ```
public struct Backoff: Sendable, Hashable {
    /// The ceiling of the first retry.
    public var base: Duration
    /// No ceiling is above this.
    public var cap: Duration

    public init(base: Duration = .seconds(2), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The longest wait before retry number `attempt` (1 for the first retry): the base,
    /// doubled per retry since, up to the cap.
    public func ceiling(attempt: Int) -> Duration {
        // 2³⁰ times any sane base is already far beyond any cap: the shift never overflows.
        let exponent = min(max(attempt - 1, 0), 30)
        return min(cap, base * (1 << exponent))
    }

    /// The wait before retry number `attempt`: `random` (0…1) of its ceiling, in whole milliseconds.
    public func delay(attempt: Int, random: Double) -> Duration {
        let jittered = ceiling(attempt: attempt).secondsValue * min(max(random, 0), 1)
        return .milliseconds(Int64(jittered * 1000))
    }

    /// As `delay(attempt:random:)`, but a server's `Retry-After` wins when it is longer (up to an
    /// hour: a peer cannot park a retry for days).
    public func delay(attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let wait = max(delay(attempt: attempt, random: random), min(retryAfter ?? .zero, .seconds(3_600)))
        return .milliseconds(Int64(wait.secondsValue * 1000))
    }
}
