import Testing
import Timekeeping

@Suite struct BackoffTests {
    @Test func fullJitterBackoff() {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(600))
        #expect(backoff.delay(attempt: 1, retryAfter: nil, random: 1) == .seconds(2))
        #expect(backoff.delay(attempt: 4, retryAfter: nil, random: 1) == .seconds(16))
        #expect(backoff.delay(attempt: 4, retryAfter: nil, random: 0.5) == .seconds(8))
        #expect(backoff.delay(attempt: 40, retryAfter: nil, random: 1) == .seconds(600))
        #expect(backoff.delay(attempt: 1, retryAfter: .seconds(120), random: 0) == .seconds(120))
    }

    @Test func ceilingsDoubleUpToTheCap() {
        let backoff = Backoff(base: .milliseconds(500), cap: .seconds(3))
        #expect((0...5).map(backoff.ceiling) == [.milliseconds(500), .milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        #expect(backoff.ceiling(attempt: 10_000) == .seconds(3))
    }

    @Test func aRetryAfterIsHonouredUpToAnHour() {
        let backoff = Backoff()
        #expect(backoff.delay(attempt: 1, retryAfter: .seconds(86_400), random: 0) == .seconds(3_600))
        #expect(backoff.delay(attempt: 1, retryAfter: .milliseconds(1), random: 1) == .seconds(2))
    }
}
