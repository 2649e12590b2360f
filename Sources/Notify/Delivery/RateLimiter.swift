import Foundation
import Synchronization

/// A token bucket's shape: `rate` sends per second on average, `burst` at once.
public struct RateLimit: Sendable, Hashable {
    public var perSecond: Double
    public var burst: Int
    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
    }

    /// Slack, Mattermost and Discord incoming webhooks: about one per second, short bursts.
    public static let slackCompatible = RateLimit(perSecond: 1, burst: 3)
}

/// Token buckets per destination, on an injected time: `reserve` takes a token and says how
/// long to wait before using it, so a caller sleeps on its own clock (tests need not wait).
///
/// A destination that answered `Retry-After` is paused: nothing is sent to it before then.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
        var pausedUntil: Date?
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    public init() {}

    /// Takes a token of `destination`'s bucket at `now`; returns how long to wait before the
    /// send it pays for (zero when a token is there).
    public func reserve(_ destination: String, limit: RateLimit?, at now: Date) -> Duration {
        buckets.withLock { buckets in
            var bucket = buckets[destination] ?? Bucket(tokens: Double(limit?.burst ?? 1), updated: now)
            var start = now
            if let paused = bucket.pausedUntil, paused > start {
                start = paused
            }
            guard let limit else {
                buckets[destination] = bucket
                return .seconds(start.timeIntervalSince(now))
            }
            // Refill up to the burst, from the last update to the time the send can start.
            if start > bucket.updated {
                bucket.tokens = min(Double(limit.burst), bucket.tokens + start.timeIntervalSince(bucket.updated) * limit.perSecond)
                bucket.updated = start
            }
            bucket.tokens -= 1
            var wait = start.timeIntervalSince(now)
            if bucket.tokens < 0 {
                // Borrow from the future: the token exists once the deficit has refilled.
                wait += -bucket.tokens / limit.perSecond
            }
            buckets[destination] = bucket
            return .milliseconds(Int64((wait * 1000).rounded(.up)))
        }
    }

    /// Nothing goes to `destination` before `until` (a `Retry-After`).
    public func pause(_ destination: String, until: Date) {
        buckets.withLock { buckets in
            var bucket = buckets[destination] ?? Bucket(tokens: 0, updated: until)
            bucket.pausedUntil = max(bucket.pausedUntil ?? until, until)
            buckets[destination] = bucket
        }
    }
}
