import Foundation
import Infinipost
import Testing
@testable import Watch

@Suite struct StoredPostsTests {
    @Test func findsEveryIdAfterGrowingAndNothingElse() {
        var posts = StoredPosts()
        let statuses = ["generated", "pending_render", "posted", "failed", "archived"]
        for i in 0..<10_000 {
            posts.set("post_\(i)", StoredPost(status: statuses[i % 5], fingerprint: Int64(i) * 31, misses: i % 2))
        }
        #expect(posts.count == 10_000)
        for i in 0..<10_000 {
            #expect(posts["post_\(i)"] == StoredPost(status: statuses[i % 5], fingerprint: Int64(i) * 31, misses: i % 2))
        }
        #expect(posts["post_10000"] == nil)
        #expect(posts["post_"] == nil)
        #expect(posts["post_1 "] == nil)
        #expect(posts.index(of: "post_42").map(posts.postId(at:)) == "post_42")
    }

    @Test func settingAnIdAgainReplacesItsValues() throws {
        var posts = StoredPosts(minimumCapacity: 4)
        posts.set("a", StoredPost(status: "generated", fingerprint: 1, misses: 0))
        posts.set("b", StoredPost(status: "posted", fingerprint: 2, misses: 0))
        posts.set("a", StoredPost(status: "failed", fingerprint: 3, misses: 1))
        #expect(posts.count == 2)
        #expect(posts["a"] == StoredPost(status: "failed", fingerprint: 3, misses: 1))
        let index = try #require(posts.index(of: "b"))
        posts.setMisses(1, at: index)
        #expect(posts["b"] == StoredPost(status: "posted", fingerprint: 2, misses: 1))
    }

    @Test func idsAreComparedByteForByte() {
        var posts = StoredPosts()
        // "é" precomposed and decomposed are equal Swift strings but different ids to the API.
        posts.set("caf\u{e9}", StoredPost(status: "posted", fingerprint: 1, misses: 0))
        posts.set("cafe\u{301}", StoredPost(status: "failed", fingerprint: 2, misses: 0))
        posts.set("", StoredPost(status: "generated", fingerprint: 3, misses: 0))
        #expect(posts.count == 3)
        #expect(posts["caf\u{e9}"]?.status == "posted")
        #expect(posts["cafe\u{301}"]?.status == "failed")
        #expect(posts[""]?.fingerprint == 3)
    }

    @Test func equalityIgnoresInsertionOrder() {
        var a = StoredPosts()
        var b = StoredPosts()
        a.set("x", StoredPost(status: "posted", fingerprint: 1, misses: 0))
        a.set("y", StoredPost(status: "failed", fingerprint: 2, misses: 0))
        b.set("y", StoredPost(status: "failed", fingerprint: 2, misses: 0))
        b.set("x", StoredPost(status: "posted", fingerprint: 1, misses: 0))
        #expect(a == b)
        b.set("x", StoredPost(status: "posted", fingerprint: 1, misses: 1))
        #expect(a != b)
    }
}

@Suite struct SnapshotBuilderTests {
    static func stored(_ posts: Post...) -> StoredPosts {
        var stored = StoredPosts()
        for post in posts {
            stored.set(post.postId, StoredPost(status: post.status.rawValue, fingerprint: PostFingerprint.of(post), misses: 0))
        }
        return stored
    }

    @Test func anUnchangedPostIsOneBitAndAChangedOneIsKeptWhole() {
        let a = Fixture.post("a", .posted)
        let b = Fixture.post("b", .generated)
        var builder = SnapshotBuilder(stored: Self.stored(a, b), overdue: nil)
        var moved = b
        moved.status = .failed
        builder.add([a, moved, Fixture.post("c", .failed)])
        let snapshot = builder.snapshot
        #expect(snapshot.count == 3)
        #expect(snapshot.post("a") == nil)
        #expect(snapshot.post("b")?.status == .failed)
        #expect(snapshot.kept["b"]?.storedIndex != nil)
        #expect(snapshot.kept["c"]?.storedIndex == nil)
        #expect(snapshot.received == 3)
    }

    /// A post caught in two partitions, once as stored and once moved on: the later status wins
    /// whichever partition answered first, within one chain or across two merged chains.
    @Test(arguments: [false, true], [false, true])
    func aPostSeenUnchangedAndMovedKeepsTheLaterStatus(movedFirst: Bool, acrossChains: Bool) {
        let stored = Fixture.post("m", .pendingRender)
        var moved = stored
        moved.status = .posted
        let pages = movedFirst ? [[moved], [stored]] : [[stored], [moved]]
        let snapshot = Self.build(Self.stored(stored), pages: pages, acrossChains: acrossChains)
        #expect(snapshot.count == 1)
        #expect(snapshot.post("m")?.status == .posted)

        // Moved backwards (an earlier status than stored): the stored copy is the later one.
        var back = stored
        back.status = .generated
        let backPages = movedFirst ? [[back], [stored]] : [[stored], [back]]
        let kept = Self.build(Self.stored(stored), pages: backPages, acrossChains: acrossChains)
        #expect(kept.count == 1)
        #expect(kept.post("m") == nil)
    }

    static func build(_ stored: StoredPosts, pages: [[Post]], acrossChains: Bool) -> Snapshot {
        let start = SnapshotBuilder(stored: stored, overdue: nil)
        guard acrossChains else {
            var builder = start
            for page in pages { builder.add(page) }
            return builder.snapshot
        }
        var merged = start
        for page in pages {
            var chain = start
            chain.add(page)
            merged.merge(chain.snapshot)
        }
        return merged.snapshot
    }

    /// Two versions of a post with one fingerprint (a collision, made here by hand) still make
    /// a transition when their statuses differ.
    @Test func aFingerprintCollisionNeverHidesATransition() {
        let posted = Fixture.post("p", .posted)
        var stored = StoredPosts()
        stored.set("p", StoredPost(status: "generated", fingerprint: PostFingerprint.of(posted), misses: 0))
        var builder = SnapshotBuilder(stored: stored, overdue: nil)
        builder.add([posted])
        let diff = Diff.compute(
            state: StoredState(posts: stored, hasBaseline: true), snapshot: builder.snapshot, now: Fixture.t0,
            overdueThresholds: [], since: nil)
        #expect(diff.events.map(\.summary) == ["p generated>posted"])
        #expect(diff.upserts.map(\.post) == [posted])
    }

    @Test func anUnchangedPostThatMayBeOverdueIsKeptWhole() {
        let stuck = Fixture.post("s", .pendingRender, scheduled: Fixture.t0.addingTimeInterval(-7200))
        let overdue = SnapshotBuilder.OverdueCheck(now: Fixture.t0, thresholds: [1800], markers: [])
        var builder = SnapshotBuilder(stored: Self.stored(stuck), overdue: overdue)
        builder.add([stuck, stuck])
        #expect(builder.snapshot.count == 1)
        #expect(builder.snapshot.post("s") == stuck)

        let marked = SnapshotBuilder.OverdueCheck(
            now: Fixture.t0, thresholds: [1800], markers: [OverdueMarker(postId: "s", seconds: 1800)])
        var done = SnapshotBuilder(stored: Self.stored(stuck), overdue: marked)
        done.add([stuck])
        #expect(done.snapshot.count == 1)
        #expect(done.snapshot.post("s") == nil)
    }
}

@Suite struct WordDigestTests {
    static func digest(_ fields: String...) -> UInt64 {
        var digest = WordDigest()
        for field in fields { digest.add(field) }
        return digest.value
    }

    @Test func fieldBoundariesAndTailsCount() {
        #expect(Self.digest("ab", "c") != Self.digest("a", "bc"))
        #expect(Self.digest("a") != Self.digest("a\0"))
        #expect(Self.digest("") != Self.digest("\0"))
        #expect(Self.digest("12345678") != Self.digest("12345678", ""))
        #expect(Self.digest("posted") == Self.digest("posted"))
    }

    /// Every one-byte change of a post-sized text changes the digest (a single changed word
    /// always does: each step is a bijection of the running value).
    @Test func everyOneByteChangeIsSeen() {
        let text = Array("https://storage.googleapis.com/bucket/acc_1/post_000042/video.mp4 pending_render".utf8)
        let original = Self.digest(String(decoding: text, as: UTF8.self))
        var seen = Set<UInt64>([original])
        for offset in text.indices {
            var changed = text
            changed[offset] ^= 0x01
            seen.insert(Self.digest(String(decoding: changed, as: UTF8.self)))
        }
        #expect(seen.count == text.count + 1)
    }
}

@Suite struct PostFingerprintTests {
    @Test func fingerprintSeesEveryField() {
        let post = Fixture.post("p")
        var other = post
        other.caption += " "
        #expect(PostFingerprint.of(post) != PostFingerprint.of(other))
        other = post
        other.postedAt = Fixture.t0
        #expect(PostFingerprint.of(post) != PostFingerprint.of(other))
        #expect(PostFingerprint.of(post) == PostFingerprint.of(Fixture.post("p")))
    }
}
