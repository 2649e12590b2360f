import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `postwatch outbox` against real state files.
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
}
