import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `postwatch outbox` against real state files.
// Serialized for load, not for correctness (each test has its own sandbox, receiver, workspace
// and ports): its tests run postwatch processes, and with them all at once on 2 cores the run
// took longer and real-time bounds elsewhere were passed (ShutdownTests, issue 13).
@Suite(.serialized)
struct OutboxCommandTests {
    /// `outbox list` on a state file its user may only read failed with `readonly database`:
    /// it opened the store for writing (migrations, WAL). It now reads without writing a byte.
    @Test func listReadsAStateFileItsUserMayNotWrite() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        fixture.receiver.setDefault(.status(400, "no such hook"))  // a permanent refusal: dead
        _ = try await fixture.check(["--delivery-timeout", "5s"])

        let folder = fixture.workspace.path
        let state = fixture.workspace.state
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: state))
        let listed: String
        if getuid() == 0 {
            // Root may write anywhere: read as `nobody`, the folder and the file root's.
            chmod(folder, 0o755)
            chmod(state, 0o644)
            listed = try await runTool(
                "/usr/bin/setpriv",
                ["--reuid=65534", "--regid=65534", "--clear-groups", fixture.binary.path, "outbox", "list", "--state", state])
        } else {
            chmod(folder, 0o555)
            chmod(state, 0o444)
            defer { chmod(folder, 0o755) }
            listed = try await runTool(fixture.binary.path, ["outbox", "list", "--state", state])
        }
        #expect(listed.contains("Failed posts") && listed.contains("dead"), "\(listed)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == files)
        #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == bytes)
        await fixture.finish()
    }

    /// `retry --all-dead` once the destination is fixed (one `retry ID` per entry before), and
    /// `list --only` says "no dead notifications" rather than "the outbox is empty" while other
    /// notifications are there.
    @Test func retryAllDeadAndListOnlyOneState() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        #expect(try await fixture.check().status == 0)
        fixture.receiver.setDefault(.status(410, "gone"))  // permanent: dead at once
        var moved: Set<String> = []
        for _ in 0..<2 {
            let post = try fixture.movablePost(excluding: moved)
            moved.insert(post.postId)
            fixture.sandbox.setStatus(post.postId, to: .failed)
            _ = try await fixture.check(["--delivery-timeout", "5s"])
        }
        let state = ["--state", fixture.workspace.state]
        let pending = try await fixture.run(["outbox", "list", "--only", "pending"] + state)
        #expect(pending.stdout == "No pending notifications (0 pending, 0 delivered, 2 dead).\n", "\(pending.output)")

        let neither = try await fixture.run(["outbox", "retry"] + state)
        #expect(neither.status == 2, "\(neither.output)")
        fixture.receiver.setDefault(.status(200, "ok"))
        let retried = try await fixture.run(["outbox", "retry", "--all-dead"] + state)
        #expect(retried.stdout == "2 dead notifications will be sent on the next delivery.\n", "\(retried.output)")
        let delivered = try await fixture.check(["--delivery-timeout", "10s"])
        #expect(delivered.status == 0, "\(delivered.output)")
        let after = try await fixture.run(["outbox", "list", "--only", "delivered"] + state)
        #expect(after.stdout.contains("0 pending, 2 delivered, 0 dead"), "\(after.output)")
        let again = try await fixture.run(["outbox", "retry", "--all-dead"] + state)
        #expect(again.stdout == "No dead notifications to retry.\n", "\(again.output)")
        await fixture.finish()
    }
}
