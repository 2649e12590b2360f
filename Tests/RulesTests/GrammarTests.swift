import Foundation
import Testing
import Timekeeping
@testable import Rules

/// Every production of the grammar, parsed and checked.
@Suite struct GrammarTests {
    let environment = [
        "HOOK": "https://hooks.example.com/T/B/X", "MAILS": "a@example.com, b@example.org", "KEY": "k",
    ]

    @Test func channelKindsAndTargets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "https://discord.com/api/webhooks/1/AbCdEfGhIjKlMnOpQrStUvWx\n".write(to: directory.appendingPathComponent("discord.secret"), atomically: true, encoding: .utf8)
        try "hmac-key".write(to: directory.appendingPathComponent("hmac key"), atomically: true, encoding: .utf8)
        let source = """
            channel s = slack env:HOOK
            channel m = mattermost "https://chat.example.com/hooks/abc"
            channel d = discord file:discord.secret
            channel w = webhook "http://127.0.0.1:9000/hook" secret file:"hmac key"
            channel w2 = webhook env:HOOK secret env:KEY
            channel e = email "oncall@example.com",
                              "ops@example.com", env:MAILS
            channel c = console
            channel ops-team = console
            rule "all" {
              notify s, m, d, w, w2, e, c, ops-team
              when failed
            }
            """
        try source.write(to: directory.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        let set = try RuleSet.load(path: directory.path, environment: environment)
        #expect(set.warnings.isEmpty)
        #expect(set.channels["s"]?.kind == .slack)
        #expect(set.channels["m"]?.targets == ["https://chat.example.com/hooks/abc"])
        #expect(set.channels["d"]?.targets == ["https://discord.com/api/webhooks/1/AbCdEfGhIjKlMnOpQrStUvWx"])
        #expect(set.channels["w"]?.secret == "hmac-key")
        #expect(set.channels["w2"]?.secret == "k")
        #expect(set.channels["e"]?.targets == ["oncall@example.com", "ops@example.com", "a@example.com", "b@example.org"])
        #expect(set.channels["c"]?.kind == .console)
        #expect(set.channels["ops-team"]?.targets == [])
        #expect(set.rules.first?.channels == ["s", "m", "d", "w", "w2", "e", "c", "ops-team"])
        #expect(set.channels["s"]?.location == SourceLocation(file: directory.appendingPathComponent("a.rules").path, line: 1, column: 9))
    }

    @Test func inlineDestinationsGetSynthesizedChannels() throws {
        let set = try RuleSet.load(source: """
            rule "a" {
              when failed
              notify slack env:HOOK, email "oncall@example.com", console, webhook "https://h.example.com/x"
            }
            rule "b" {
              when posted
              notify slack env:HOOK
            }
            """, environment: environment)
        let names = ["slack env:HOOK", "email oncall@example.com", "console", "webhook in \"a\""]
        #expect(set.rules[0].channels == names)
        #expect(set.rules[1].channels == ["slack env:HOOK"])
        #expect(set.channels["slack env:HOOK"]?.targets == ["https://hooks.example.com/T/B/X"])
        #expect(set.channels["slack env:HOOK"]?.isInline == true)
        #expect(set.channels["console"]?.kind == .console)
        #expect(set.warnings.isEmpty)
    }

    @Test func allClausesAndEvents() throws {
        let set = try RuleSet.load(source: """
            # a comment line
            channel c = console   # trailing comment

            rule "Everything" {
              when failed, * -> posted, new -> pending_render, generated -> failed,
                   overdue 1h30m, deleted
              when overdue 90s
              where platform = tiktok and not (contentType = slides or soundId exists)
              notify c
              group by accountId, platform
              throttle 2h
              severity info
              title "{{count}} post(s): {{rule}}"
              body \"\"\"
                {{#posts}}
                - {{postId}} {{caption}}
                {{/posts}}
                \"\"\"
            }

            rule "Defaults"
            {
              when posted
              notify c
            }
            """)
        let rule = try #require(set.rules.first)
        #expect(rule.triggers == [
            .transition(from: nil, to: "failed"), .transition(from: nil, to: "posted"),
            .transition(from: "new", to: "pending_render"), .transition(from: "generated", to: "failed"),
            .overdue(seconds: 5400), .deleted, .overdue(seconds: 90),
        ])
        #expect(rule.condition == "platform = tiktok and not (contentType = slides or soundId exists)")
        #expect(rule.groupBy == ["accountId", "platform"])
        #expect(rule.throttle == .seconds(7200))
        #expect(rule.severity == .info)
        #expect(rule.body?.description == "{{#posts}}\n- {{postId}} {{caption}}\n{{/posts}}")
        #expect(set.overdueThresholds == [90, 5400])
        let defaults = try #require(set.rules.last)
        #expect(defaults.severity == .warning)
        #expect(defaults.throttle == nil && defaults.title == nil && defaults.body == nil && defaults.groupBy.isEmpty)
        #expect(set.rules.map(\.location.line) == [4, 21])
    }

    @Test(arguments: [
        ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("1d2h3m4s", 93_784), ("0s", 0),
    ])
    func durations(_ text: String, _ seconds: Int) throws {
        let rule = try #require(try Fixture.rule("when posted\nwhere delay > \(text)"))
        #expect(rule.condition == "delay > \(Duration.seconds(seconds).compactDescription)")
    }

    @Test func conditionOperators() throws {
        let lines = [
            "platform = tiktok", "platform != tiktok", "slides < 2", "slides <= 2", "slides > 2", "slides >= 2",
            "platform in (tiktok, instagram)", "platform not in (tiktok)", "caption contains \"x\"",
            "caption matches \"^a+$\"", "soundId exists", "scheduledTime < now", "age > 1h",
            "accountId = \"acc_1\"", "to = deleted", "from = new",
        ]
        for line in lines {
            let when = line.hasPrefix("to =") ? "when deleted" : "when failed"
            let rule = try #require(try Fixture.rule("\(when)\nwhere \(line)"))
            #expect(rule.condition == line)
        }
    }

    @Test func stringEscapes() throws {
        let rule = try #require(try Fixture.rule(#"when failed"# + "\n" + #"title "a \"quoted\" \\ tab\tnewline\n""#))
        #expect(rule.title?.description == "a \"quoted\" \\ tab\tnewline\n")
    }

    @Test func emptyFileIsAnEmptySet() throws {
        let set = try RuleSet.load(source: "# nothing yet\n")
        #expect(set.rules.isEmpty && set.channels.isEmpty)
    }

    @Test func directoryLoadsInNameOrderWithGlobalNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "rule \"b\" {\n when failed\n notify ops\n}\n".write(to: directory.appendingPathComponent("b.rules"), atomically: true, encoding: .utf8)
        try "channel ops = console\nrule \"a\" {\n when posted\n notify ops\n}\n".write(to: directory.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        try "not rules".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let set = try RuleSet.load(path: directory.path, environment: [:])
        #expect(set.rules.map(\.name) == ["a", "b"])

        // An error in one file loads nothing from any.
        try "rule \"c\" {\n when faild\n notify ops\n}\n".write(to: directory.appendingPathComponent("c.rules"), atomically: true, encoding: .utf8)
        #expect(throws: RuleLoadError.self) { try RuleSet.load(path: directory.path, environment: [:]) }
    }

    @Test func missingPathsAreErrors() {
        do {
            _ = try RuleSet.load(path: "/nonexistent/rules-\(UUID().uuidString)", environment: [:])
            Issue.record("loaded a missing path")
        } catch {
            #expect(error.diagnostics.first?.description.hasSuffix(": error: no such file or directory") == true)
        }
    }
}
