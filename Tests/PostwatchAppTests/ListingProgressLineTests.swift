import Synchronization
import Testing
import Watch
@testable import PostwatchApp

/// The first run's progress line: every few seconds, with the rate; nothing after the first cycle.
@Suite struct ListingProgressLineTests {
    @Test func oneLineEveryFewSecondsDuringTheFirstCycleOnly() {
        let lines = Mutex<[String]>([])
        let line = ListingProgressLine(every: .seconds(5)) { text in lines.withLock { $0.append(text) } }
        let t0 = ContinuousClock.now
        line.report(ListingProgress(pages: 1, posts: 100, firstCycle: true), now: t0)
        line.report(ListingProgress(pages: 40, posts: 4_000, firstCycle: true), now: t0 + .seconds(3))
        line.report(ListingProgress(pages: 100, posts: 10_000, firstCycle: true), now: t0 + .seconds(5))
        line.report(ListingProgress(pages: 120, posts: 12_000, firstCycle: true), now: t0 + .seconds(6))
        line.report(ListingProgress(pages: 300, posts: 30_000, firstCycle: false), now: t0 + .seconds(60))
        let shown = lines.withLock { $0 }
        #expect(shown.count == 1, "\(shown)")
        #expect(shown.first?.hasPrefix("first cycle: 10,000 posts listed in 100 pages (2,000 posts/s)") == true, "\(shown)")
    }
}
