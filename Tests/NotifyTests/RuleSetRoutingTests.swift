import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Routing with rules loaded from rule-file text, as `run` and `check` do.
@Suite struct RuleSetRoutingTests {
    static let source = """
        channel ops    = slack "https://hooks.slack.com/services/T0/B0/X"
        channel oncall = email "oncall@example.com", "ops@example.com"
        channel audit  = webhook "https://audit.example.com/hook" secret env:AUDIT_SECRET

        rule "Failed TikTok posts" {
          when failed
          where platform = tiktok
          notify ops, oncall, audit
          group by accountId
          throttle 15m
          severity critical
          title "{{count}} {{platform}} post(s) failed"
        }

        rule "Stuck posts" {
          when overdue 30m
          notify ops
        }
        """

    @Test func rulesFromAFileRouteTheirEvents() throws {
        let rules = try RuleSet.load(source: Self.source, environment: ["AUDIT_SECRET": "k"])
        let router = NotificationRouter(ruleSet: rules)
        #expect(router.overdueThresholds == [1_800])
        let events = [
            Fixtures.event("p1", account: "acc_a"), Fixtures.event("p2", account: "acc_a"),
            Fixtures.event("p3", to: "posted"),
            Fixtures.event("p4", from: "generated", to: "generated", kind: .overdue),
        ]
        let routing = router.route(events, at: Fixtures.t0, throttle: [:])
        let documents = try routing.notifications.map { try NotificationDocument.decode($0.payload) }
        #expect(routing.notifications.map(\.channel) == ["ops", "oncall", "audit", "ops"])
        #expect(documents[0].message.title == "2 tiktok post(s) failed")
        #expect(documents[0].severity == .critical)
        #expect(documents[0].groupKey == "accountId=acc_a")
        #expect(documents[1].message.format == .plain)
        #expect(documents[3].rule == "Stuck posts")
        #expect(documents[3].message.title == "⚠️ Stuck posts: 1 post overdue")
        #expect(routing.throttle[ThrottleKey(rule: "Failed TikTok posts", group: "accountId=acc_a")]??.lastSentAt == Fixtures.t0)
        // No URL, address or secret is stored in the outbox.
        for draft in routing.notifications {
            let text = String(decoding: draft.payload, as: UTF8.self)
            #expect(!text.contains("hooks.slack.com") && !text.contains("audit.example.com") && !text.contains("oncall@example.com"))
        }
    }
}
