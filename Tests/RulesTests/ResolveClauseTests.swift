import Testing
@testable import Rules

/// The `resolve` clause and the `pagerduty` kind as a rule file loads them.
@Suite struct ResolveClauseTests {
    static let environment = ["PD_KEY": "0123456789abcdef0123456789abcdef", "HOOK": "https://hooks.example.com/x"]

    func rule(_ clauses: String, notify: String = "oncall") throws -> Rule {
        let set = try RuleSet.load(
            source: """
                channel oncall = pagerduty env:PD_KEY
                channel ops = slack env:HOOK
                rule "r" {
                  when failed
                  notify \(notify)
                \(clauses)
                }
                """, name: "t.rules", environment: Self.environment)
        return try #require(set.rules.first)
    }

    @Test func withoutAClausePagerDutyResolvesAndChatDoesNot() throws {
        let rule = try rule("")
        #expect(rule.resolution == .automatic)
        #expect(rule.resolveTriggers(for: .pagerduty) == [.transition(from: nil, to: "posted"), .deleted])
        #expect(rule.resolveTriggers(for: .slack).isEmpty)
    }

    @Test func resolveWhenNamesTheEventsForEveryChannel() throws {
        let rule = try rule("  resolve when pending_render -> posted, deleted", notify: "oncall, ops")
        let triggers: [Trigger] = [.transition(from: "pending_render", to: "posted"), .deleted]
        #expect(rule.resolution == .when(triggers))
        #expect(rule.resolveTriggers(for: .slack) == triggers && rule.resolveTriggers(for: .pagerduty) == triggers)
    }

    @Test func resolveNeverTurnsEveryChannelOff() throws {
        let rule = try rule("  resolve never")
        #expect(rule.resolution == .never && rule.resolveTriggers(for: .pagerduty).isEmpty)
    }

    @Test func aPagerDutyChannelKeepsItsEndpointAndItsKeyIsASecretTarget() throws {
        let set = try RuleSet.load(
            source: """
                channel eu = pagerduty env:PD_KEY endpoint "https://events.eu.pagerduty.com/v2/enqueue"
                rule "r" {
                  when failed
                  notify eu, pagerduty env:PD_KEY
                }
                """, name: "t.rules", environment: Self.environment)
        let eu = try #require(set.channels["eu"])
        #expect(eu.endpoint == "https://events.eu.pagerduty.com/v2/enqueue" && eu.targets == [Self.environment["PD_KEY"]!])
        #expect(set.channels["pagerduty env:PD_KEY"]?.endpoint == nil)
        #expect(ChannelKind.pagerduty.target == .secretKey && !ChannelKind.pagerduty.takesURL)
    }
}
