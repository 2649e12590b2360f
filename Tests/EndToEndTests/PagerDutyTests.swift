import Foundation
import Testing
import TestSupport

/// PagerDuty through the binary, against the sandbox and a local Events API receiver: a post
/// that fails triggers an incident, the same post posted later resolves it under the same
/// `dedup_key`, and nothing is resolved twice or without its trigger.
// Serialized for load, like the other suites that run postwatch processes.
@Suite(.serialized)
struct PagerDutyTests {
    static let accepted = HTTPReceiver.Response.json(
        #"{"status":"success","message":"Event processed","dedup_key":"x"}"#, status: 202)

    static func json(_ request: HTTPReceiver.Request) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
    }

    @Test func aFailedPostTriggersAndItsPostingResolvesTheSameIncident() async throws {
        let fixture = try await Fixture.start()
        fixture.receiver.setDefault(Self.accepted)
        let key = "e2eR0uting\(UInt32.random(in: 100_000...999_999))Key0123456789ab"
        let environment = ["PD_ROUTING_KEY": key]
        try fixture.workspace.writeRules(
            """
            channel oncall = pagerduty env:PD_ROUTING_KEY endpoint "\(fixture.receiver.url("/v2/enqueue"))"

            rule "Failed posts" {
              when failed
              notify oncall
              severity critical
            }
            """)
        #expect(try await fixture.check(environment: environment).status == 0)  // the baseline

        let post = try fixture.movablePost()
        #expect(fixture.sandbox.setStatus(post.postId, to: .failed))
        let failed = try await fixture.check(environment: environment)
        #expect(failed.status == 1, "\(failed.output)")
        let trigger = try Self.json(try #require(try await fixture.receiver.waitForRequests(count: 1).first))
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(trigger["routing_key"] as? String == key)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical")
        #expect((payload["summary"] as? String)?.contains(post.postId) == true, "\(payload)")
        let dedupKey = try #require(trigger["dedup_key"] as? String)

        #expect(fixture.sandbox.setStatus(post.postId, to: .posted))
        let posted = try await fixture.check(environment: environment)
        #expect(posted.status == 0, "\(posted.output)")
        let requests = try await fixture.receiver.waitForRequests(count: 2)
        let resolve = try Self.json(requests[1])
        #expect(resolve["event_action"] as? String == "resolve")
        #expect(resolve["dedup_key"] as? String == dedupKey, "the resolve names the incident its trigger opened")

        // Nothing more to resolve: the alert closed with the resolve.
        #expect(try await fixture.check(environment: environment).status == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.receiver.requests.count == 2, "\(fixture.receiver.requests.map(\.text))")

        // A post that is posted without having failed resolves nothing: no trigger went out.
        let other = try fixture.movablePost(excluding: [post.postId])
        #expect(fixture.sandbox.setStatus(other.postId, to: .posted))
        #expect(try await fixture.check(environment: environment).status == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.receiver.requests.count == 2, "\(fixture.receiver.requests.map(\.text))")

        // `channel test` triggers a test incident and resolves it at once.
        fixture.receiver.clearRequests()
        let test = try await fixture.run(["channel", "test", "oncall", "--rules", fixture.workspace.rules], environment: environment)
        #expect(test.status == 0, "\(test.output)")
        #expect(test.stdout.hasPrefix("sent a test message to pagerduty channel 'oncall' (http://127.0.0.1:"), "\(test.stdout)")
        #expect(test.stdout.contains("accepted, and resolved"), "\(test.stdout)")
        let tested = try await fixture.receiver.waitForRequests(count: 2).map(Self.json)
        #expect(tested.map { $0["event_action"] as? String } == ["trigger", "resolve"])
        #expect(tested[0]["dedup_key"] as? String == tested[1]["dedup_key"] as? String)

        for output in [failed.output, posted.output, test.output] {
            #expect(!output.contains(key), "\(output)")
        }
        await fixture.finish()
    }

    /// `rules lint` reports a bad clause at its place; `rules test` shows what a post resolves.
    @Test func lintAndRulesTestKnowTheResolveClause() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(
            """
            channel oncall = pagerduty env:PD_ROUTING_KEY

            rule "Failed posts" {
              when failed
              notify oncall
              resolve whne posted
            }
            """)
        let lint = try await fixture.run(["rules", "lint", "--rules", fixture.workspace.rules], environment: ["PD_ROUTING_KEY": "abc123def456"])
        #expect(lint.status == 2, "\(lint.output)")
        #expect(lint.output.contains(":6:11: error: expected 'when' or 'never' after 'resolve'; did you mean 'when'?"), "\(lint.output)")

        try fixture.workspace.writeRules(
            """
            channel oncall = pagerduty env:PD_ROUTING_KEY

            rule "Failed posts" {
              when failed
              notify oncall
            }
            """)
        let event = fixture.workspace.path + "/posted.json"
        try Data(#"""
            {"postId": "post_abc123", "accountId": "acc_1a2b3c4d5e", "platform": "tiktok", "contentType": "video",
             "contentUrl": "https://storage.googleapis.com/b/abc123.mp4", "thumbnailUrl": null, "caption": "Hello",
             "soundId": null, "timezone": "America/New_York", "scheduledTime": "2024-04-22T16:00:00Z",
             "status": "posted", "postedAt": "2024-04-22T16:00:12Z", "createdAt": "2024-04-21T20:15:00Z", "from": "failed"}
            """#.utf8).write(to: URL(fileURLWithPath: event))
        let test = try await fixture.run(["rules", "test", "--rules", fixture.workspace.rules, event])
        #expect(test.status == 0, "\(test.output)")
        #expect(test.stdout.contains("resolves \"Failed posts\" (its open alerts of this post) -> oncall"), "\(test.stdout)")
        #expect(test.stdout.contains("[oncall] PagerDuty resolve postwatch/"), "\(test.stdout)")
        await fixture.finish()
    }
}
