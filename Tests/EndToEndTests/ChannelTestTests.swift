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

    /// ntfy and Telegram through the binary: the destination gets the test message in its own
    /// form, and no output shows the topic, the access token or the bot token.
    @Test func ntfyAndTelegramChannelsTakeATestMessage() async throws {
        let fixture = try await Fixture.start()
        let topic = "postwatch_e2e_topic_\(UInt32.random(in: 1_000...9_999))"
        let ntfyToken = "tk_e2e\(UUID().uuidString.prefix(8))"
        let botToken = "987654321:AAE2eBotTokenSecret\(UInt32.random(in: 1_000...9_999))"
        let secrets = [
            "NTFY_URL": fixture.receiver.url("/\(topic)"), "NTFY_TOKEN": ntfyToken,
            "TG_URL": fixture.receiver.url("/bot\(botToken)/sendMessage?chat_id=-100123"),
        ]
        try fixture.workspace.writeRules(
            """
            channel phone = ntfy env:NTFY_URL secret env:NTFY_TOKEN
            channel tg = telegram env:TG_URL

            rule "Failed posts" {
              when failed
              notify phone, tg
            }
            """)
        let rules = ["--rules", fixture.workspace.rules]

        let ntfy = try await fixture.run(["channel", "test", "phone"] + rules, environment: secrets)
        #expect(ntfy.status == 0, "\(ntfy.output)")
        #expect(ntfy.stdout.hasPrefix("sent a test message to ntfy channel 'phone' (http://127.0.0.1:"), "\(ntfy.stdout)")
        let published = try #require(try await fixture.receiver.waitForRequests(count: 1).first)
        #expect(published.target == "/")
        #expect(published.header("Authorization") == "Bearer \(ntfyToken)")
        let json = try #require(try JSONSerialization.jsonObject(with: published.body) as? [String: Any])
        #expect(json["topic"] as? String == topic)
        #expect((json["title"] as? String)?.contains("postwatch channel test (not an alert)") == true, "\(published.text)")
        #expect(json["priority"] as? Int == 3, "a test message is info")

        fixture.receiver.clearRequests()
        let telegram = try await fixture.run(["channel", "test", "tg"] + rules, environment: secrets)
        #expect(telegram.status == 0, "\(telegram.output)")
        #expect(telegram.stdout.hasPrefix("sent a test message to telegram channel 'tg'"), "\(telegram.stdout)")
        let sent = try #require(try await fixture.receiver.waitForRequests(count: 1).first)
        #expect(sent.target == "/bot\(botToken)/sendMessage")
        let message = try #require(try JSONSerialization.jsonObject(with: sent.body) as? [String: Any])
        #expect(message["chat_id"] as? Int == -100123)
        #expect(message["parse_mode"] as? String == "HTML")
        #expect((message["text"] as? String)?.hasPrefix("<b>") == true, "\(sent.text)")

        fixture.receiver.setDefault(.json(#"{"ok":false,"error_code":401,"description":"Unauthorized for \#(botToken)"}"#, status: 401))
        let refused = try await fixture.run(["channel", "test", "tg"] + rules, environment: secrets)
        #expect(refused.status == 4, "\(refused.output)")
        #expect(refused.stdout.contains("refused: HTTP 401"), "\(refused.stdout)")
        for output in [ntfy.output, telegram.output, refused.output] {
            for secret in [topic, ntfyToken, botToken, String(botToken.split(separator: ":")[1])] {
                #expect(!output.contains(secret), "\(output)")
            }
        }
        await fixture.finish()
    }

    /// Teams through the binary: the Workflows URL as given (a loopback receiver stands in for
    /// Logic Apps), an Adaptive Card arrives, 202 is success, and no output shows the `sig`.
    @Test func aTeamsChannelTakesATestMessage() async throws {
        let fixture = try await Fixture.start()
        let sig = "e2eSig\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let path = "/workflows/0f1e2d3c4b5a/triggers/manual/paths/invoke"
        let secrets = ["TEAMS_URL": fixture.receiver.url("\(path)?api-version=2016-06-01&sv=1.0&sig=\(sig)")]
        try fixture.workspace.writeRules(
            """
            channel team = teams env:TEAMS_URL

            rule "Failed posts" {
              when failed
              notify team
            }
            """)
        let rules = ["--rules", fixture.workspace.rules]
        fixture.receiver.setDefault(.status(202, ""))
        let sent = try await fixture.run(["channel", "test", "team"] + rules, environment: secrets)
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.stdout.hasPrefix("sent a test message to teams channel 'team'"), "\(sent.stdout)")
        let request = try #require(try await fixture.receiver.waitForRequests(count: 1).first)
        #expect(request.path == path)
        let message = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(request.text.contains("postwatch channel test (not an alert)"), "\(request.text)")

        fixture.receiver.setDefault(.json(#"{"error":{"code":"DirectApiAuthorizationRequired","message":"sig \#(sig) is invalid"}}"#, status: 401))
        let refused = try await fixture.run(["channel", "test", "team"] + rules, environment: secrets)
        #expect(refused.status == 4, "\(refused.output)")
        #expect(refused.stdout.contains("refused: HTTP 401"), "\(refused.stdout)")
        for output in [sent.output, refused.output] { #expect(!output.contains(sig), "\(output)") }
        await fixture.finish()
    }
}
