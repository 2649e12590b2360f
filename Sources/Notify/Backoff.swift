import Foundation
import Infinipost

/// Full-jitter exponential backoff: the n-th retry waits a random time between zero and
/// `min(cap, base × 2ⁿ)`, so retries of many notifications spread out instead of marching
/// together; a `Retry-After` from the server wins when it is longer.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(2), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The wait before retry number `attempt` (1 for the first retry); `random` in 0…1.
    public func delay(attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(cap.secondsValue, base.secondsValue * pow(2, Double(exponent)))
        let jittered = ceiling * min(max(random, 0), 1)
        let wait = max(jittered, min(retryAfter?.secondsValue ?? 0, 3_600))
        return .milliseconds(Int64(wait * 1000))
    }
}
