import Foundation
import Watch

/// The send permits of a single process: every claim is its own, so the answer is never nil.
extension RateLimiter: SendPermits {
    public func permit(entry: Int64, destination: String, perSecond: Double?, burst: Int, at now: Date) async throws -> Duration? {
        reserve(destination, limit: perSecond.map { RateLimit(perSecond: $0, burst: burst) }, at: now)
    }

    public func pause(destination: String, until: Date) async throws {
        pause(destination, until: until)
    }
}
