import Foundation
import Synchronization
import Infinipost
import Testing

@testable import Sandbox

@Suite struct SandboxLifecycleTests {
    static func configuration(seed: UInt64 = 3, posts: Int = 300) -> SandboxConfiguration {
        SandboxConfiguration(initialPosts: posts, tick: nil, seed: seed, start: Date(timeIntervalSince1970: 1_790_000_000))
    }

    @Test func theSameSeedGivesTheSamePostsAndLifecycle() {
        let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_790_000_100) }
        let a = Sandbox(configuration: Self.configuration(), now: clock)
        let b = Sandbox(configuration: Self.configuration(), now: clock)
        #expect(a.posts() == b.posts())
        for _ in 0..<5 {
            a.tick()
            b.tick()
        }
        #expect(a.transitions() == b.transitions())
        #expect(a.posts() == b.posts())
        let c = Sandbox(configuration: Self.configuration(seed: 4), now: clock)
        #expect(c.posts() != a.posts())
    }

    @Test func initialPostsCoverEveryStatusPlatformAndContentType() {
        let posts = Sandbox(configuration: Self.configuration(posts: 2000)).posts()
        #expect(posts.count == 2000)
        #expect(Set(posts.map(\.status)) == Set(PostStatus.documented))
        #expect(Set(posts.map(\.platform)) == Set(Platform.documented))
        #expect(Set(posts.map(\.contentType)) == Set(ContentType.documented))
        #expect(Set(posts.map(\.accountId)).count == 6)
        #expect(Set(posts.map(\.timezone)).count > 3)
        #expect(posts.contains { $0.caption.contains("<!channel>") })
        #expect(posts.contains { $0.caption.contains("@here") })
        #expect(posts.contains { $0.caption.utf8.count > 1000 })
        #expect(posts.contains { $0.caption.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } })
        #expect(posts.contains { $0.thumbnailUrl == nil } && posts.contains { $0.soundId == nil })
        for post in posts {
            #expect((post.status == .posted) == (post.postedAt != nil))
            #expect(post.createdAt <= post.scheduledTime)
        }
    }

    @Test func ticksFollowTheLifecycleAndAreRecorded() {
        let sandbox = Sandbox(configuration: Self.configuration())
        let before = Dictionary(uniqueKeysWithValues: sandbox.posts().map { ($0.postId, $0.status) })
        var made: [SandboxTransition] = []
        for _ in 0..<30 { made += sandbox.tick() }
        #expect(made == sandbox.transitions())
        #expect(made.map(\.sequence) == Array(1...made.count))
        let allowed: Set<[String?]> = [
            [nil, "generated"], ["generated", "pending_render"], ["pending_render", "posted"], ["pending_render", "failed"],
        ]
        for transition in made {
            #expect(allowed.contains([transition.from?.rawValue, transition.to?.rawValue]), "\(transition)")
        }
        #expect(made.filter { $0.from == nil }.count == 60)  // 2 new posts per tick
        #expect(made.contains { $0.to == .posted } && made.contains { $0.to == .failed })
        // Replaying the transitions over the start gives the end state.
        var replay = before.mapValues(Optional.some)
        for transition in made { replay[transition.postId] = transition.to }
        let after = Dictionary(uniqueKeysWithValues: sandbox.posts().map { ($0.postId, Optional($0.status)) })
        #expect(replay.filter { $0.value != nil } == after)
        #expect(sandbox.transitions(after: made.count - 3).count == 3)
    }

    @Test func controlAPIChangesAreExactAndRecorded() throws {
        let sandbox = Sandbox(configuration: Self.configuration(posts: 10))
        let post = try #require(sandbox.posts().first { $0.status == .generated })
        #expect(sandbox.setStatus(post.postId, to: .posted))
        #expect(sandbox.post(post.postId)?.status == .posted)
        #expect(sandbox.post(post.postId)?.postedAt != nil)
        #expect(sandbox.setStatus(post.postId, to: .posted))  // no change: not recorded again
        #expect(!sandbox.setStatus("post_missing", to: .failed))
        #expect(sandbox.delete(post.postId))
        #expect(!sandbox.delete(post.postId))
        var odd = post
        odd.postId = "post_odd"
        odd.status = PostStatus(rawValue: "archived")
        sandbox.add(odd)
        #expect(sandbox.post("post_odd")?.status.rawValue == "archived")
        sandbox.update("post_odd") { $0.caption = "changed" }
        #expect(sandbox.post("post_odd")?.caption == "changed")
        let added = sandbox.addGenerated(count: 2)
        let log = sandbox.transitions().map { [$0.postId, $0.from?.rawValue ?? "new", $0.to?.rawValue ?? "deleted"] }
        #expect(
            log == [
                [post.postId, "generated", "posted"], [post.postId, "posted", "deleted"], ["post_odd", "new", "archived"],
                [added[0].postId, "new", "generated"], [added[1].postId, "new", "generated"],
            ])
        // A status the lifecycle does not know is left alone by ticks.
        for _ in 0..<20 { sandbox.tick() }
        #expect(sandbox.post("post_odd")?.status.rawValue == "archived")
    }

    @Test func scriptedFaultsAnswerTheNextRequestsInOrder() throws {
        let sandbox = Sandbox(configuration: SandboxConfiguration(initialPosts: 5, apiKey: "k", tick: nil))
        sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 3), .internalError, .badGatewayHTML, .wrongShape, .truncatedJSON])
        let request = Sandbox.Request(path: "/v1/posts", authorization: "Bearer k")
        let limited = sandbox.respond(to: request)
        #expect(limited.status == 429)
        #expect(limited.headers.contains { $0 == ("Retry-After", "3") })
        #expect(String(decoding: limited.body, as: UTF8.self).hasPrefix(#"{"error":{"code":"rate_limited","message":"#))
        let failed = sandbox.respond(to: request)
        #expect(failed.status == 500)
        #expect(String(decoding: failed.body, as: UTF8.self) == #"{"error":{"code":"internal","message":"An unexpected error occurred"}}"#)
        let html = sandbox.respond(to: request)
        #expect(html.status == 502)
        #expect(html.headers.contains { $0 == ("Content-Type", "text/html") })
        #expect(sandbox.respond(to: request).body == Array(#"{"items":[],"next":null}"#.utf8))
        let cut = sandbox.respond(to: request)
        #expect(cut.status == 200)
        #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: Data(cut.body)) }
        #expect(sandbox.respond(to: request).status == 200)
        sandbox.setPersistentFault(.internalError)
        #expect(sandbox.respond(to: request).status == 500)
        #expect(sandbox.respond(to: request).status == 500)
        sandbox.setPersistentFault(nil)
        #expect(sandbox.respond(to: request).status == 200)
    }

    @Test func rateLimitAndFailRateKnobs() {
        let sandbox = Sandbox(
            configuration: SandboxConfiguration(
                initialPosts: 5, apiKey: "k", tick: nil, faults: SandboxFaults(rateLimit: 2)))
        let request = Sandbox.Request(path: "/v1/posts", authorization: "Bearer k")
        let statuses = (0..<4).map { _ in sandbox.respond(to: request).status }
        #expect(statuses == [200, 200, 429, 429])
        sandbox.faults = SandboxFaults(failRate: 1)
        #expect(sandbox.respond(to: request).status == 500)
        sandbox.faults = SandboxFaults(failRate: 0.5)
        let failures = (0..<400).filter { _ in sandbox.respond(to: request).status == 500 }.count
        #expect((120...280).contains(failures))
        sandbox.faults = SandboxFaults(latency: .milliseconds(30), truncateRate: 1)
        let slow = sandbox.respond(to: request)
        #expect(slow.delay == .milliseconds(30))
        #expect(slow.cutAfter != nil)
    }

    @Test func rateLimiterRefills() {
        let start = ContinuousClock.now
        var limiter = RateLimiter(rate: 1, now: start)
        #expect(limiter.admit(now: start) == nil)
        #expect(limiter.admit(now: start) == 1)
        #expect(limiter.admit(now: start + .milliseconds(1100)) == nil)
    }

    /// The sandbox posted and failed posts days before their slot, so digests read "posted
    /// 2d 23h early". Following the schedule, a tick moves a post on only near its slot:
    /// rendering in the 15 minutes before it, posted or failed at it or after.
    @Test func theScheduleLifecycleMovesPostsOnlyAroundTheirSlot() {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let now = Mutex(start)
        var configuration = Self.configuration(seed: 7, posts: 400)
        configuration.lifecycle = .schedule
        let sandbox = Sandbox(configuration: configuration, now: { now.withLock { $0 } })
        var moved = 0
        // Three days in 5-minute ticks: each move is checked against the time it was made at.
        for step in 1...(3 * 24 * 12) {
            let at = start.addingTimeInterval(Double(step) * 300)
            now.withLock { $0 = at }
            for transition in sandbox.tick() {
                guard let post = sandbox.post(transition.postId) else { continue }
                moved += 1
                if transition.to == .pendingRender {
                    #expect(at >= post.scheduledTime.addingTimeInterval(-15 * 60), "\(post.postId) rendered early")
                } else if transition.to == .posted || transition.to == .failed {
                    #expect(at >= post.scheduledTime, "\(post.postId) moved on before its slot")
                    if let postedAt = post.postedAt { #expect(postedAt >= post.scheduledTime) }
                }
            }
        }
        #expect(moved > 100, "the lifecycle still moves: \(moved)")
    }
}
