import Foundation
import Testing
import TestSupport

/// `postwatch check --retention` on a kept state file (issue 11, "Retention"): after its
/// delivery, check prunes the history older than the retention, and a transition repeated
/// after its first occurrence was pruned is notified again under a new key.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct RetentionTests {
    /// `sqlite3` answers on the state file (no postwatch process holds it between checks).
    func count(_ table: String, _ fixture: Fixture) async throws -> String {
        try await runTool("/usr/bin/sqlite3", [fixture.workspace.state, "SELECT COUNT(*), MAX(id) FROM \(table)"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func checkPrunesTheHistoryOlderThanTheRetentionAndNothingOwed() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let failed = try await fixture.check()
        #expect(failed.status == 1, "\(failed.output)")
        #expect(try await count("outbox WHERE state = 'delivered'", fixture) == "1|1")

        // Everything so far becomes older than a 1 s retention.
        try await Task.sleep(for: .milliseconds(1_500))
        fixture.sandbox.setStatus(post.postId, to: .pendingRender)
        let pruned = try await fixture.check(["--retention", "1s"])
        #expect(pruned.status == 0, "\(pruned.output)")
        #expect(try await count("cycles", fixture) == "1|3", "only the newest cycle, still numbered 3")
        #expect(try await count("events", fixture) == "1|2", "only this check's failed → pending_render")
        #expect(try await count("outbox", fixture) == "0|", "the delivered notification is gone")

        fixture.sandbox.setStatus(post.postId, to: .failed)
        let again = try await fixture.check()
        #expect(again.status == 1, "\(again.output)")
        let requests = try await fixture.receiver.waitForRequests(count: 2)
        #expect(requests.count == 2)
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 2)
        await fixture.finish()
    }

    @Test func aBadRetentionIsAConfigurationError() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let result = try await fixture.check([], environment: ["POSTWATCH_RETENTION": "a fortnight"])
        #expect(result.status == 2)
        #expect(result.output.contains("--retention 'a fortnight' is not a duration"), "\(result.output)")
        await fixture.finish()
    }
}
