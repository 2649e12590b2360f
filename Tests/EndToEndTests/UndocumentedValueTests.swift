import Foundation
import Infinipost
import Testing
import TestSupport

/// Minimised from the model test (issue 11): a status or platform the API does not document (it
/// may add some, API.md) is a value like any other in DESIGN.md's semantics, but a listing
/// filtered by documented values cannot show a post that holds one. Known issue: the fix is a
/// change of how cycles list (an unfiltered listing on every cycle costs the whole history, or
/// gives up the partitions' parallelism), not a patch.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct UndocumentedValueTests {
    static let rules = """
        channel hook = webhook env:HOOK
        rule "Posted" {
          when * -> posted
          notify hook
          severity info
        }
        rule "Deleted" {
          when deleted
          notify hook
          severity info
        }
        """

    @Test func aPostedPostThatVisitsAnUndocumentedStatusIsNotifiedWhenPostedAgain() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(Self.rules)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .posted)
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.update(post.postId) { $0.status = PostStatus(rawValue: "archived") }
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.setStatus(post.postId, to: .posted)
        #expect(try await fixture.check().status == 0)

        // Its first posting, then archived → posted: two notifications.
        let requests = fixture.receiver.requests
        withKnownIssue("the cycle that sees `archived` misses the post; the next finds it posted, unchanged") {
            #expect(requests.count == 2)
            #expect(requests.last?.text.contains(#""from":"archived""#) == true)
        }
        await fixture.finish()
    }

    @Test func aPostFirstSeenInAnUndocumentedStatusIsNotifiedWhenDeleted() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(Self.rules)
        #expect(try await fixture.check().status == 0)
        var post = try fixture.movablePost()
        post.postId = "post_undocumented1"
        post.status = PostStatus(rawValue: "in_review")
        fixture.sandbox.add(post)
        #expect(try await fixture.check().status == 0)
        #expect(fixture.sandbox.delete(post.postId))
        // Deleted = absent from two consecutive complete snapshots.
        #expect(try await fixture.check().status == 0)
        #expect(try await fixture.check().status == 0)

        let requests = fixture.receiver.requests
        withKnownIssue("a post never listed is never stored, so its deletion is never seen") {
            #expect(requests.count == 1)
            #expect(requests.first?.text.contains(post.postId) == true)
        }
        await fixture.finish()
    }

    /// The platform case: listed only on discovery cycles (the first and every tenth), so a post
    /// on it that fails and is retried and posted in between is never notified as failed.
    @Test func aFailureOnAPlatformTheAPIAddedIsNotifiedBeforeTheNextDiscoveryCycle() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        var post = try fixture.movablePost()
        post.postId = "post_newplatform1"
        post.platform = Platform(rawValue: "youtube")
        post.status = .pendingRender
        fixture.sandbox.add(post)
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let failed = try await fixture.check()
        fixture.sandbox.setStatus(post.postId, to: .posted)
        // Past the next discovery cycle (the eleventh): the post is found by then, posted.
        for _ in 4...11 { _ = try await fixture.check() }

        let requests = fixture.receiver.requests
        withKnownIssue("cycles 2 to 10 list by status × platform × content type, which cannot name youtube") {
            #expect(failed.status == 1, "\(failed.output)")
            #expect(requests.count == 1)
            #expect(requests.first?.text.contains(#""from":"pending_render""#) == true)
        }
        await fixture.finish()
    }
}
