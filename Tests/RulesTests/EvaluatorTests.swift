import Foundation
import Testing
@testable import Rules

/// A table of (event, rule clauses, fires?).
@Suite struct EvaluatorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let clauses: String
        let subject: RuleSubject
        let fires: Bool
        var testDescription: String { "\(clauses.replacingOccurrences(of: "\n", with: " | ")) → \(fires)" }
        init(_ clauses: String, _ fires: Bool) {
            self.init(clauses, Fixture.subject(), fires)
        }
        init(_ clauses: String, _ subject: RuleSubject, _ fires: Bool) {
            self.clauses = clauses
            self.subject = subject
            self.fires = fires
        }
    }

    static let cases: [Case] = [
        // Triggers.
        Case("when failed", true),
        Case("when * -> failed", true),
        Case("when pending_render -> failed", true),
        Case("when generated -> failed", false),
        Case("when new -> failed", Fixture.subject(from: "new"), true),
        Case("when new -> failed", false),
        Case("when posted", false),
        Case("when posted, failed", true),
        Case("when failed", Fixture.subject(to: "archived"), false),  // unknown statuses never match
        Case("when failed", Fixture.subject(kind: .deleted, from: "failed", to: "deleted", status: "failed"), false),
        Case("when deleted", Fixture.subject(kind: .deleted, from: "failed", to: "deleted", status: "failed"), true),
        Case("when deleted", false),
        Case("when overdue 30m", Fixture.subject(kind: .overdue, from: "generated", to: "generated", overdueSeconds: 1800), true),
        Case("when overdue 1h", Fixture.subject(kind: .overdue, from: "generated", to: "generated", overdueSeconds: 1800), false),
        Case("when overdue 30m", false),
        // Enums, strings, in, not in.
        Case("when failed\nwhere platform = tiktok", true),
        Case("when failed\nwhere platform = \"tiktok\"", true),
        Case("when failed\nwhere platform != tiktok", false),
        Case("when failed\nwhere platform = instagram", false),
        Case("when failed\nwhere platform = instagram", Fixture.subject(platform: "instagram"), true),
        Case("when failed\nwhere platform in (instagram, tiktok)", true),
        Case("when failed\nwhere platform not in (instagram, tiktok)", false),
        Case("when failed\nwhere platform not in (instagram)", true),
        Case("when failed\nwhere platform in (instagram)", Fixture.subject(platform: "threads"), false),
        Case("when failed\nwhere platform not in (instagram, tiktok)", Fixture.subject(platform: "threads"), true),
        Case("when failed\nwhere accountId in (\"acc_1a2b3c4d5e\", \"acc_x\")", true),
        Case("when failed\nwhere accountId = \"acc_other\"", false),
        Case("when failed\nwhere from = pending_render", true),
        Case("when failed\nwhere from = new", false),
        Case("when failed\nwhere to = failed and status = failed", true),
        Case("when failed\nwhere contentType = slides", false),
        // Nulls.
        Case("when failed\nwhere soundId exists", true),
        Case("when failed\nwhere soundId exists", Fixture.subject(soundId: nil), false),
        Case("when failed\nwhere not soundId exists", Fixture.subject(soundId: nil), true),
        Case("when failed\nwhere soundId = \"snd_xyz789\"", true),
        Case("when failed\nwhere soundId = \"snd_xyz789\"", Fixture.subject(soundId: nil), false),
        Case("when failed\nwhere soundId != \"snd_xyz789\"", Fixture.subject(soundId: nil), true),
        Case("when failed\nwhere soundId not in (\"snd_xyz789\")", Fixture.subject(soundId: nil), true),
        Case("when failed\nwhere soundId in (\"snd_xyz789\")", Fixture.subject(soundId: nil), false),
        Case("when failed\nwhere thumbnailUrl exists", false),
        Case("when failed\nwhere thumbnailUrl contains \"thumb\"", false),
        Case("when failed\nwhere postedAt exists", false),
        // Durations and times.
        Case("when posted\nwhere delay > 10m", Fixture.subject(to: "posted", postedAfter: 601), true),
        Case("when posted\nwhere delay > 10m", Fixture.subject(to: "posted", postedAfter: 600), false),
        Case("when posted\nwhere delay >= 10m", Fixture.subject(to: "posted", postedAfter: 600), true),
        Case("when posted\nwhere delay < 1m", Fixture.subject(to: "posted", postedAfter: -30), true),
        Case("when posted\nwhere delay < 0", Fixture.subject(to: "posted", postedAfter: -30), true),
        Case("when posted\nwhere delay <= 1h30m", Fixture.subject(to: "posted", postedAfter: 5400), true),
        Case("when posted\nwhere delay <= 1h30m", Fixture.subject(to: "posted", postedAfter: 5401), false),
        Case("when posted\nwhere not delay > 10m", Fixture.subject(to: "posted", postedAfter: nil), true),
        Case("when posted\nwhere delay != 10m", Fixture.subject(to: "posted", postedAfter: nil), true),
        Case("when failed\nwhere age > 1d", Fixture.subject(createdBefore: 86_400, nowAfter: 1), true),
        Case("when failed\nwhere age > 1d", Fixture.subject(createdBefore: 3_600, nowAfter: 1), false),
        Case("when failed\nwhere scheduledTime < now", true),
        Case("when failed\nwhere scheduledTime > now", false),
        Case("when failed\nwhere scheduledTime = \"2024-04-22T16:00:00Z\"", true),
        Case("when failed\nwhere scheduledTime >= \"2024-04-23T00:00:00Z\"", false),
        Case("when failed\nwhere createdAt < \"2024-04-22T00:00:00.000Z\"", true),
        // Numbers.
        Case("when failed\nwhere slides >= 3", Fixture.subject(contentType: "slides", slides: 3), true),
        Case("when failed\nwhere slides > 3", Fixture.subject(contentType: "slides", slides: 3), false),
        Case("when failed\nwhere slides in (1, 2)", true),
        // contains and regex.
        Case("when failed\nwhere caption contains \"#viral\"", true),
        Case("when failed\nwhere caption contains \"#VIRAL\"", false),
        Case("when failed\nwhere caption contains \"\"", true),
        Case("when failed\nwhere caption contains \"content! #viral and much more\"", false),
        Case("when failed\nwhere caption contains \"tutorial 🔥\"", Fixture.subject(caption: "Step by step tutorial 🔥"), true),
        Case("when failed\nwhere caption contains \"🔥🔥\"", Fixture.subject(caption: "Step by step tutorial 🔥"), false),
        Case("when failed\nwhere caption matches \"(?i)#VIRAL\"", true),
        Case("when failed\nwhere caption matches \"^Check\"", true),
        Case("when failed\nwhere caption matches \"^content\"", false),
        Case("when failed\nwhere postId matches \"^post_[a-z]+[0-9]{3}$\"", true),
        Case("when failed\nwhere soundId matches \".\"", Fixture.subject(soundId: nil), false),
        // Precedence: not > and > or.
        Case("when failed\nwhere platform = instagram or platform = tiktok and soundId exists", true),
        Case("when failed\nwhere platform = tiktok or platform = instagram and contentType = slides", true),
        Case("when failed\nwhere (platform = tiktok or platform = instagram) and contentType = slides", false),
        Case("when failed\nwhere not platform = instagram and contentType = video", true),
        Case("when failed\nwhere not (platform = tiktok and contentType = video)", false),
        Case("when failed\nwhere not platform = tiktok or contentType = video", true),
        Case("when failed\nwhere not not platform = tiktok", true),
        Case("when failed\nwhere platform = tiktok and\n  (contentType = slides or\n   soundId exists)", true),
    ]

    @Test(arguments: cases)
    func evaluates(_ testCase: Case) throws {
        let rule = try #require(try Fixture.rule(testCase.clauses))
        #expect(rule.matches(testCase.subject) == testCase.fires)
    }

    @Test func setReturnsTheFiringRulesInOrder() throws {
        let set = try RuleSet.load(source: """
            channel c = console
            rule "a" {
              when failed
              notify c
            }
            rule "b" {
              when posted
              notify c
            }
            rule "c" {
              when * -> failed
              where platform = tiktok
              notify c
            }
            """)
        #expect(set.rules(matching: Fixture.subject()).map(\.name) == ["a", "c"])
    }

    @Test func ruleBuiltInCodeMatches() {
        let rule = Rule(name: "x", triggers: [.deleted], channels: ["c"], where: { $0.platform == "tiktok" })
        #expect(rule.matches(Fixture.subject(kind: .deleted, from: "posted", to: "deleted", status: "posted")))
        #expect(!rule.matches(Fixture.subject()))
    }
}
