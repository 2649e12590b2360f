import Foundation
import Testing

@testable import Notify

@Suite struct RateLimiterTests {
    @Test func burstThenOnePerSecond() {
        let limiter = RateLimiter()
        let t0 = Date(timeIntervalSince1970: 0)
        let waits = (0..<6).map { _ in limiter.reserve("hook", limit: .slackCompatible, at: t0) }
        #expect(waits == [.zero, .zero, .zero, .seconds(1), .seconds(2), .seconds(3)])
        // Another destination is not affected.
        #expect(limiter.reserve("other", limit: .slackCompatible, at: t0) == .zero)
        // Refilled after a while, never above the burst.
        let later = t0.addingTimeInterval(100)
        let again = (0..<4).map { _ in limiter.reserve("hook", limit: .slackCompatible, at: later) }
        #expect(again == [.zero, .zero, .zero, .seconds(1)])
    }

    @Test func retryAfterPausesTheDestination() {
        let limiter = RateLimiter()
        let t0 = Date(timeIntervalSince1970: 0)
        limiter.pause("hook", until: t0.addingTimeInterval(30))
        #expect(limiter.reserve("hook", limit: nil, at: t0) == .seconds(30))
        #expect(limiter.reserve("hook", limit: nil, at: t0.addingTimeInterval(31)) == .zero)
    }
}
