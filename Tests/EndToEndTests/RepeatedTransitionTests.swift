import Foundation
import Infinipost
import Testing
import TestSupport

/// The same transition happening again to the same post is a new occurrence: notified again,
/// under a new idempotency key, and never able to stop a cycle (issue 11, defect 1: the third
/// `check` aborted with `UNIQUE constraint failed: outbox.idempotencyKey`, and so did every
/// later one).
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct RepeatedTransitionTests {
    @Test func aPostThatFailsTwiceIsNotifiedTwiceAndLaterChangesStillApply() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)

        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        #expect(try await fixture.check().status == 1)
        fixture.sandbox.setStatus(post.postId, to: .pendingRender)
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let again = try await fixture.check()
        #expect(again.status == 1, "\(again.output)")
        #expect(!again.output.contains("UNIQUE"), "\(again.output)")

        // Another post failing afterwards is found: nothing is jammed.
        let other = try fixture.movablePost(excluding: [post.postId])
        fixture.sandbox.setStatus(other.postId, to: .failed)
        let later = try await fixture.check()
        #expect(later.status == 1, "\(later.output)")

        let requests = try await fixture.receiver.waitForRequests(count: 3)
        #expect(requests.count == 3)
        #expect(requests.filter { $0.text.contains(post.postId) }.count == 2)
        #expect(requests.filter { $0.text.contains(other.postId) }.count == 1)
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 3)
        await fixture.finish()
    }

    @Test func aPostDeletedSeenAgainAndDeletedAgainIsNotifiedTwice() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(
            """
            channel hook = webhook env:HOOK secret env:HOOK_SECRET
            rule "Deleted posts" {
              when deleted
              notify hook
              severity critical
            }
            """)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        for round in 1...2 {
            #expect(fixture.sandbox.delete(post.postId))
            // Deleted = absent from two consecutive complete snapshots.
            #expect(try await fixture.check().status == 0)
            let gone = try await fixture.check()
            #expect(gone.status == 1, "round \(round): \(gone.output)")
            fixture.sandbox.add(post)
            let back = try await fixture.check()
            #expect(back.status == 0, "round \(round): \(back.output)")
        }
        let requests = try await fixture.receiver.waitForRequests(count: 2)
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.text.contains(post.postId) })
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 2)
        await fixture.finish()
    }
}
