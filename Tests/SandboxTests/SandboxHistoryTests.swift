import Foundation
import Infinipost
import Synchronization
import Testing

@testable import Sandbox

/// The long history of issue 18 (`postwatch sandbox --history N --active M`): many finished
/// posts in the past, a few active ones following their slots, and arrivals that keep the active
/// set steady.
@Suite struct SandboxHistoryTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// The simulation's time, moved by the test.
    final class Clock: Sendable {
        let now = Mutex(SandboxHistoryTests.start)
    }

    static func sandbox(history: Int, active: Int, tick: Duration = .seconds(10), clock: Clock) -> Sandbox {
        Sandbox(
            configuration: SandboxConfiguration(
                tick: tick, seed: 11, start: start, history: SandboxConfiguration.History(posts: history, active: active)),
            now: { clock.now.withLock { $0 } })
    }

    @Test func theHistoryIsFinishedAndInThePastAndTheActivePostsAreAroundNow() {
        let clock = Clock()
        let sandbox = Self.sandbox(history: 20_000, active: 400, clock: clock)
        let posts = sandbox.posts()
        #expect(posts.count == 20_400)
        #expect(sandbox.configuration.lifecycle == SandboxConfiguration.Lifecycle.schedule)
        let finished: [Post] = posts.filter { $0.status.isFinal }
        #expect(finished.count == 20_000)
        let failed = finished.count { $0.status == .failed }
        let failedShare = Double(failed) / Double(finished.count)
        #expect((0.04...0.06).contains(failedShare), "failed share \(failedShare)")
        // About a thousand a day: 20,000 posts reach about 20 days back, never into the future.
        let oldest: Date = finished.map { $0.scheduledTime }.min() ?? Self.start
        let (twentyOneDaysBack, nineteenDaysBack) = (Self.start.addingTimeInterval(-21.1 * 86_400), Self.start.addingTimeInterval(-19 * 86_400))
        #expect(oldest > twentyOneDaysBack && oldest < nineteenDaysBack)
        for post in finished {
            #expect(post.scheduledTime <= Self.start.addingTimeInterval(-3600))
            #expect((post.status == .posted) == (post.postedAt != nil))
            #expect(post.createdAt <= post.scheduledTime)
        }
        let active: [Post] = posts.filter { !$0.status.isFinal }
        #expect(active.count == 400)
        for post in active {
            #expect(post.scheduledTime >= Self.start.addingTimeInterval(-15 * 60))
            #expect(post.scheduledTime <= Self.start.addingTimeInterval(120 * 60))
            #expect(post.createdAt <= post.scheduledTime && post.createdAt <= Self.start)
            // Rendering starts only in the 15 minutes before the slot.
            if post.status == .pendingRender { #expect(post.scheduledTime <= Self.start.addingTimeInterval(15 * 60)) }
        }
    }

    @Test func activePostsFollowTheirSlotsAndStaySteady() {
        let clock = Clock()
        let sandbox = Self.sandbox(history: 1_000, active: 300, clock: clock)
        var counts: [Int] = []
        // Four simulated hours of 10-second ticks: every initial active post has had its slot.
        for step in 1...1_440 {
            clock.now.withLock { $0 = Self.start.addingTimeInterval(Double(step * 10)) }
            sandbox.tick()
            if step % 360 == 0 { counts.append(sandbox.posts().count { !$0.status.isFinal }) }
        }
        // Stuck posts (3% of arrivals) never finish; the rest keeps the active set near 300.
        for count in counts { #expect((200...420).contains(count), "active posts over time: \(counts)") }
        let posts = Dictionary(uniqueKeysWithValues: sandbox.posts().map { ($0.postId, $0) })
        let transitions = sandbox.transitions()
        #expect(transitions.count { $0.from == nil } > 1_000)  // about 300 an hour arrive
        for transition in transitions where transition.to == .posted || transition.to == .failed {
            guard let post = posts[transition.postId] else { continue }
            #expect(transition.at >= post.scheduledTime, "\(transition.postId) finished before its slot")
        }
        for transition in transitions where transition.to == .pendingRender {
            guard let post = posts[transition.postId] else { continue }
            #expect(transition.at >= post.scheduledTime.addingTimeInterval(-15 * 60))
        }
    }

    @Test func withoutAHistoryTheNewPostsPerTickAreUnchanged() {
        let sandbox = Sandbox(configuration: SandboxConfiguration(initialPosts: 10, tick: .seconds(2), newPostsPerTick: 3, start: Self.start))
        for _ in 0..<10 { sandbox.tick() }
        #expect(sandbox.transitions().count { $0.from == nil } == 30)
    }
}
