import Foundation
import Infinipost
import Synchronization
import Testing
@testable import Watch

/// An API that contradicts itself about a post is not trusted on one sighting.
@Suite struct ContradictionTests {
    /// Lists like `FakeListing`, but while `lying` holds a post id, that post is listed under
    /// `status=generated` with a body that says `failed` (a stale index behind the filter).
    final class LyingListing: PostListing {
        let inner = FakeListing()
        let lying = Mutex<String?>(nil)
        /// A post every listing by `posted` or `failed` shows with the status it asks for,
        /// whatever order the partitions are listed in (they are listed concurrently).
        let flapping = Mutex<String?>(nil)

        func posts(matching query: PostsQuery) async throws -> [Post] {
            var posts = try await inner.posts(matching: query)
            if let status = query.status, status == .posted || status == .failed, let id = flapping.withLock({ $0 }),
                var post = inner.state.withLock({ $0.posts[id] }),
                query.platform.map({ $0 == post.platform }) ?? true, query.contentType.map({ $0 == post.contentType }) ?? true
            {
                post.status = status
                posts = posts.filter { $0.postId != id } + [post]
            }
            if query.status == .generated, let liar = lying.withLock({ $0 }) {
                posts = posts.map { post in
                    var post = post
                    if post.postId == liar { post.status = .failed }
                    return post
                }
            }
            return posts
        }
    }

    let listing = LyingListing()
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore(path: Fixture.tempPath())
    }

    /// A poller whose first (baseline) cycle has recorded `posts`.
    func baseline(_ posts: Post...) async throws -> Poller {
        for post in posts { listing.inner.put(post) }
        let poller = Fixture.poller(listing, store: store)
        _ = try await poller.runOnce(now: Fixture.t0)
        return poller
    }

    /// The audit's case: listed under `status=generated`, the body says `failed`, and the next
    /// cycle says `generated` again. Applying it paged people for a failure that never was.
    @Test func aBodyThatContradictsItsFilterIsHeldNotApplied() async throws {
        let poller = try await baseline(Fixture.post("a"), Fixture.post("b", .posted))

        listing.lying.withLock { $0 = "a" }
        let lied = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(lied.events.isEmpty, "\(lied.summaries)")
        #expect(lied.held.keys.sorted() == ["a"])
        #expect(lied.held["a"]?.contains("listed under status=generated but its body says status=failed") == true)
        #expect(lied.deletions == 0)
        let stored = try await store.loadState().posts
        #expect(stored.index(of: "a").map { stored.status(at: $0) } == "generated")

        listing.lying.withLock { $0 = nil }
        let consistent = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(consistent.events.isEmpty)
        #expect(consistent.held.isEmpty)

        // A real failure, listed consistently, is reported as always.
        listing.inner.setStatus("a", .failed)
        let failed = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(180))
        #expect(failed.summaries == ["a generated>failed"])
    }

    /// A new post seen only under a filter its body contradicts is not stored (nor reported)
    /// until a cycle lists it consistently.
    @Test func aNewPostSeenOnlyInContradictionWaits() async throws {
        let poller = try await baseline(Fixture.post("a"))
        listing.inner.put(Fixture.post("n"))
        listing.lying.withLock { $0 = "n" }
        let lied = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(lied.events.isEmpty)
        #expect(lied.held.keys.sorted() == ["n"])
        listing.lying.withLock { $0 = nil }
        let seen = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(seen.summaries == ["n new>generated"])
    }

    /// A post without a `postId` is dropped and counted: nothing could key it, and storing ""
    /// would make every later nameless post a change of the same one.
    @Test func anEmptyPostIdIsRejected() async throws {
        let poller = try await baseline(Fixture.post("a"))
        listing.inner.put(Fixture.post("", .failed))
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.events.isEmpty, "\(report.summaries)")
        #expect(report.rejected == 1)
        #expect(try await store.loadState().posts.count == 1)
    }

    /// Seen as `posted` in one partition and `failed` in another in one cycle: neither is a move
    /// the other explains (they rank the same), so the post keeps its stored status until a
    /// cycle sees it one way; other posts' changes apply. (A forward move seen twice applies at
    /// once: `StoredPostsTests.aPostSeenUnchangedAndMovedKeepsTheLaterStatus`.)
    @Test(arguments: [false, true])
    func aPostListedAsPostedAndAsFailedAtOnceIsHeld(storedFinal: Bool) async throws {
        let poller = try await baseline(Fixture.post("a", storedFinal ? .failed : .pendingRender), Fixture.post("m", .pendingRender))
        listing.flapping.withLock { $0 = "a" }
        listing.inner.setStatus("m", .posted)
        let report = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        #expect(report.held["a"] == "listed twice in one cycle, as status=failed and as status=posted", "\(report.held)")
        #expect(report.summaries == ["m pending_render>posted"], "\(report.summaries)")
        #expect(report.deletions == 0)

        listing.flapping.withLock { $0 = nil }
        listing.inner.setStatus("a", .posted)
        let next = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(next.summaries == ["a \(storedFinal ? "failed" : "pending_render")>posted"], "\(next.summaries)")
    }
}
