import Foundation
import Testing
import TestSupport

/// `postwatch channel test NAME` against a real receiver.
@Suite struct ChannelTestTests {
    @Test func aTestMessageGoesOutMarkedAndTheAnswerIsReported() async throws {
        let fixture = try await Fixture.start()
        try fixture.writeFailureRules(email: false)
        let rules = ["--rules", fixture.workspace.rules]

        let sent = try await fixture.run(["channel", "test", "hook"] + rules)
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.stdout.hasPrefix("sent a test message to webhook channel 'hook'"), "\(sent.stdout)")
        #expect(sent.stdout.contains("accepted"), "\(sent.stdout)")
        let request = try #require(try await fixture.receiver.waitForRequests(count: 1).first)
        #expect(request.text.contains("postwatch channel test (not an alert)"), "\(request.text)")
        #expect(request.header("X-Postwatch-Signature")?.hasPrefix("sha256=") == true, "signed as configured")
        #expect(!FileManager.default.fileExists(atPath: fixture.workspace.state), "no state is touched")

        fixture.receiver.setDefault(.status(404, "no such hook"))
        let refused = try await fixture.run(["channel", "test", "hook"] + rules)
        #expect(refused.status == 4, "\(refused.output)")
        #expect(refused.stdout.contains("refused: HTTP 404"), "\(refused.stdout)")

        let unknown = try await fixture.run(["channel", "test", "nope"] + rules)
        #expect(unknown.status == 2, "\(unknown.output)")
        #expect(unknown.stderr.contains("no channel 'nope'") && unknown.stderr.contains("(channels: hook)"), "\(unknown.stderr)")
        await fixture.finish()
    }
}
