import Foundation
import Testing
import TestSupport

/// A webhook with its own body and the Standard Webhooks signature, through the binary: `rules
/// lint` refuses a template that is not JSON at its place, `channel test` sends the template's
/// JSON, signed, and no output shows the URL or the secret.
@Suite struct WebhookTemplateChannelTests {
    static let template = """
        {
          "text": "{{title}}",
          "posts": [{{#events}}{"id": "{{post.postId}}", "caption": "{{post.caption}}"}{{^last()}},{{/last()}}{{/events}}]
        }
        """

    @Test func channelTestSendsTheTemplatedBodySignedTheStandardWay() async throws {
        let fixture = try await Fixture.start()
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let secrets = ["CUSTOM_HOOK": fixture.receiver.url("/custom/SECRETPATH"), "CUSTOM_SECRET": secret]
        try fixture.workspace.writeRules(
            """
            channel custom = webhook env:CUSTOM_HOOK template file:payload.json.mustache signature standard secret env:CUSTOM_SECRET

            rule "Failed posts" {
              when failed
              notify custom
            }
            """)
        try Self.template.write(toFile: fixture.workspace.rules + "/payload.json.mustache", atomically: true, encoding: .utf8)
        let rules = ["--rules", fixture.workspace.rules]

        let lint = try await fixture.run(["rules", "lint"] + rules, environment: secrets)
        #expect(lint.status == 0, "\(lint.output)")

        let sent = try await fixture.run(["channel", "test", "custom"] + rules, environment: secrets)
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.stdout.hasPrefix("sent a test message to webhook channel 'custom'"), "\(sent.stdout)")
        let request = try #require(try await fixture.receiver.waitForRequests(count: 1).first)
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect((json["text"] as? String)?.contains("postwatch channel test (not an alert)") == true, "\(request.text)")
        let posts = try #require(json["posts"] as? [[String: String]])
        #expect(posts.first?["id"] == "post_postwatch_test")
        #expect(Set(json.keys) == ["text", "posts"], "the template's body, not the document")
        #expect(request.header("webhook-id")?.count == 64)
        #expect(request.header("webhook-signature")?.hasPrefix("v1,") == true)
        let timestamp = try #require(request.header("webhook-timestamp").flatMap(Double.init))
        #expect(abs(timestamp - Date().timeIntervalSince1970) < 300)
        #expect(request.header("X-Postwatch-Signature") == nil)

        // A template that is not JSON: lint says where, and channel test sends nothing.
        try #"{"text": {{title}}}"#.write(toFile: fixture.workspace.rules + "/payload.json.mustache", atomically: true, encoding: .utf8)
        let broken = try await fixture.run(["rules", "lint"] + rules, environment: secrets)
        #expect(broken.status != 0, "\(broken.output)")
        #expect(broken.output.contains("payload.json.mustache:1:10: error: the template does not render JSON"), "\(broken.output)")
        let refused = try await fixture.run(["channel", "test", "custom"] + rules, environment: secrets)
        #expect(refused.status != 0, "\(refused.output)")
        #expect(fixture.receiver.requests.count == 1)

        for output in [lint.output, sent.output, broken.output, refused.output] {
            #expect(!output.contains("SECRETPATH") && !output.contains(String(secret.dropFirst(6).prefix(12))), "\(output)")
        }
        await fixture.finish()
    }
}
