import Testing

@testable import Rules

/// A silence's matcher is a `where` condition on its own, checked as one: the same verdicts
/// as inside a rule, and errors at line:column with did-you-mean.
@Suite struct MatcherTests {
    @Test func aConditionMatchesWhatTheSameWhereWould() throws {
        let text = #"accountId = "acc_1" and platform = tiktok and caption contains "sale""#
        let matcher = try Matcher(text)
        let rule = try #require(
            try RuleSet.load(source: """
                channel c = console
                rule "r" {
                  when failed
                  where \(text)
                  notify c
                }
                """).rules.first)
        let subjects = [
            Fixture.subject(accountId: "acc_1", caption: "big sale"),
            Fixture.subject(accountId: "acc_1", platform: "instagram", caption: "big sale"),
            Fixture.subject(accountId: "acc_2", caption: "big sale"),
            Fixture.subject(accountId: "acc_1", caption: "nothing"),
        ]
        #expect(subjects.map(matcher.matches) == [true, false, false, false])
        #expect(subjects.map(matcher.matches) == subjects.map(rule.matches))
        #expect(matcher.description == text)
    }

    @Test func aMisspelledFieldIsAnErrorWithItsColumnAndASuggestion() {
        #expect {
            try Matcher(#"platform = tiktok and acountId = "acc_1""#, name: "--matcher")
        } throws: { error in
            let diagnostic = (error as? RuleLoadError)?.errors.first
            return diagnostic?.location.file == "--matcher" && diagnostic?.location.column == 23
                && "\(diagnostic!)".contains("accountId")
        }
    }

    @Test(arguments: [
        ("platform = youtube", "platform"),
        (#"accountId = "a" )"#, "after the condition"),
        ("", "expected a condition"),
        ("   \n  ", "expected a condition"),
        (#"delay > "soon""#, "delay"),
        ("accountId =", "accountId"),
    ])
    func badConditionsAreRefusedSayingWhy(text: String, mention: String) {
        #expect {
            try Matcher(text)
        } throws: { error in
            guard let error = error as? RuleLoadError, !error.errors.isEmpty else { return false }
            return "\(error)".contains(mention)
        }
    }
}
