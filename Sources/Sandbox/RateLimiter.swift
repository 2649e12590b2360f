import Infinipost

/// A token bucket: `rate` requests per second, bursts of up to one second's worth.
struct RateLimiter: Sendable {
    let rate: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Double, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        tokens = max(1, rate)
        last = now
    }

    /// nil when the request may go on, else the whole seconds to wait (at least 1).
    mutating func admit(now: ContinuousClock.Instant = .now) -> Int? {
        let elapsed = now - last
        last = now
        let seconds = elapsed.secondsValue
        tokens = min(max(1, rate), tokens + seconds * rate)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return max(1, Int(((1 - tokens) / rate).rounded(.up)))
    }
}
