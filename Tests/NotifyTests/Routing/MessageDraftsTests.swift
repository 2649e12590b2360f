import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Routing, stage 4: one rendered draft per channel of the rule.
@Suite struct MessageDraftsTests {
    @Test func oneDraftPerChannelInTheRulesOrderRenderedForItsKind() throws {
        let rule = Fixtures.rule("Failed", severity: .critical, channels: ["ops", "mail", "stale"], groupBy: ["accountId"])
        let drafts = MessageDrafts(rule: rule, renderer: MessageRenderer(rule: rule), channelKinds: ["ops": .discord, "mail": .email])
        let message = ThrottleGate.Message(groupKey: "accountId=a", events: [Fixtures.event("p1", account: "a")], suppressed: nil)
        let out = drafts.drafts(message, now: Fixtures.t0)
        // A channel the rules no longer declare is skipped.
        #expect(out.map(\.channel) == ["ops", "mail"])
        let documents = try out.map { try NotificationDocument.decode($0.payload) }
        #expect(documents.map(\.channelKind) == [.discord, .email])
        #expect(documents.map(\.message.format) == [.discord, .plain])
        #expect(documents.allSatisfy { $0.group == ["accountId": "a"] && $0.groupKey == "accountId=a" && $0.severity == .critical })
        #expect(out.map(\.idempotencyKey) == documents.map(\.idempotencyKey))
    }

    @Test func thePreviewIsWhatTheDraftCarries() throws {
        let rule = Fixtures.rule("Failed", channels: ["ops"])
        let events = [Fixtures.event("p1")]
        let drafts = MessageDrafts(rule: rule, renderer: MessageRenderer(rule: rule), channelKinds: ["ops": .slack])
            .drafts(.init(groupKey: "", events: events, suppressed: nil), now: Fixtures.t0)
        let document = try NotificationDocument.decode(try #require(drafts.first).payload)
        #expect(MessageDrafts.preview(rule, events: events, kind: .slack) == document.message)
    }
}
