import Foundation
import Testing
@testable import Rules

@Suite struct LoadTests {
    @Test func designExampleLoads() throws {
        let set = try RuleSet.load(source: Fixture.design, name: "design.rules", environment: Fixture.environment)
        #expect(set.warnings.isEmpty, "\(set.warnings)")
        #expect(set.rules.map(\.name) == ["Failed TikTok posts", "Posted late", "Stuck posts"])
        let failed = set.rules[0]
        #expect(failed.triggers == [.transition(from: nil, to: "failed")])
        #expect(failed.channels == ["ops", "oncall", "audit"])
        #expect(failed.groupBy == ["accountId"])
        #expect(failed.throttle == .seconds(900))
        #expect(failed.severity == .critical)
        #expect(failed.title != nil)
        #expect(set.rules[1].triggers == [.transition(from: "pending_render", to: "posted"), .transition(from: "generated", to: "posted")])
        #expect(set.rules[1].severity == .info)
        #expect(set.rules[2].triggers == [.overdue(seconds: 1800)])
        #expect(set.rules[2].severity == .warning)
        #expect(set.overdueThresholds == [1800])
        #expect(set.channels["ops"]?.targets == ["https://hooks.slack.com/services/T000/B000/XXXX"])
        #expect(set.channels["oncall"]?.targets == ["oncall@example.com", "ops@example.com"])
        #expect(set.channels["audit"]?.secret == "s3cret-value")
        #expect(set.channels["audit"]?.kind == .webhook)

        #expect(failed.matches(Fixture.subject()))
        #expect(!failed.matches(Fixture.subject(platform: "instagram")))
        #expect(!failed.matches(Fixture.subject(to: "posted")))
        #expect(set.rules[1].matches(Fixture.subject(to: "posted", postedAfter: 601)))
        #expect(!set.rules[1].matches(Fixture.subject(to: "posted", postedAfter: 600)))
        #expect(set.rules[2].matches(Fixture.subject(kind: .overdue, from: "generated", to: "generated", overdueSeconds: 1800)))
        #expect(!set.rules[2].matches(Fixture.subject(kind: .overdue, from: "generated", to: "generated", overdueSeconds: 600)))
    }

    @Test func missingSecretIsAnErrorNamingTheVariableNotAValue() {
        let output = Fixture.diagnostics(Fixture.design, environment: ["AUDIT_HOOK_URL": "https://x.example/h", "AUDIT_HOOK_SECRET": "topsecret"])
        #expect(output.count == 1)
        #expect(output.first?.contains("t.rules:1:24: error: environment variable OPS_SLACK_WEBHOOK is not set") == true)
        #expect(!output.joined().contains("topsecret"))
    }
}
