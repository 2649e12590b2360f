import ArgumentParser
import Foundation
import Sandbox
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// `postwatch-bench rules`: rule evaluations per second and the time to load a large rule file.
struct RulesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Rule evaluation throughput (100 rules × 100,000 events) and parse + check of a 1,000-rule file.")

    @Option(help: "Number of events.")
    var events = 100_000

    @Option(help: "Number of rules evaluated against every event.")
    var rules = 100

    @Option(help: "Rules in the generated file for the load benchmark.")
    var fileRules = 1_000

    func run() async throws {
        var random = SeededRandom(seed: 1)
        let subjects = (0..<events).map { _ in Self.subject(&random) }

        // Realistic mix: triggers filter most events, conditions run on the rest.
        let mixed = try RuleSet.load(source: Self.ruleFile(count: rules, allFailed: false), name: "bench.rules")
        let mixedResult = Self.measure(mixed.rules, subjects)
        // Worst case: every trigger accepts every event, so every condition runs.
        let failedSubjects = subjects.map { subject in
            var copy = subject
            copy.kind = .transition
            copy.to = "failed"
            copy.status = "failed"
            return copy
        }
        let heavy = try RuleSet.load(source: Self.ruleFile(count: rules, allFailed: true), name: "bench.rules")
        let heavyResult = Self.measure(heavy.rules, failedSubjects)

        let big = Self.ruleFile(count: fileRules, allFailed: false)
        var loads: [Double] = []
        for _ in 0..<7 {
            let start = Self.threadCPUSeconds()
            let set = try RuleSet.load(source: big, name: "big.rules")
            loads.append(Self.threadCPUSeconds() - start)
            if set.rules.count != fileRules { throw ValidationError("loaded \(set.rules.count) rules") }
        }
        loads.sort()

        print("## Rules")
        print("")
        print("| benchmark | result |")
        print("|---|---|")
        print("| \(rules) rules × \(events) events, mixed triggers (\(mixedResult.matches) matches; CPU time) | \(Self.rate(mixedResult.rate)) evaluations/s |")
        print("| \(rules) rules × \(events) events, every condition evaluated (\(heavyResult.matches) matches; CPU time) | \(Self.rate(heavyResult.rate)) evaluations/s |")
        print("| parse + check of a \(fileRules)-rule file (\(big.utf8.count / 1024) KiB), median of 7 (CPU time) | \(String(format: "%.1f", loads[3] * 1000)) ms |")
    }

    static func measure(_ rules: [Rule], _ subjects: [RuleSubject]) -> (rate: Double, matches: Int) {
        var matches = 0
        let start = threadCPUSeconds()
        for subject in subjects {
            for rule in rules where rule.matches(subject) { matches += 1 }
        }
        let elapsed = threadCPUSeconds() - start
        return (Double(rules.count * subjects.count) / elapsed, matches)
    }

    /// CPU time of this thread: the machine may be busy with other work, and the target is per core.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func rate(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.1f M", value / 1e6) : String(format: "%.0f k", value / 1e3)
    }

    static let statuses = ["generated", "pending_render", "posted", "failed"]
    static let conditions = [
        "platform = tiktok",
        "platform = instagram and contentType = slides",
        "accountId in (\"acc_0001\", \"acc_0002\", \"acc_0003\", \"acc_0004\")",
        "not soundId exists or thumbnailUrl exists",
        "delay > 10m",
        "age > 1d and slides >= 3",
        "caption contains \"#ad\"",
        "platform = tiktok and (accountId = \"acc_0007\" or accountId not in (\"acc_0001\", \"acc_0002\"))",
        "from in (generated, pending_render) and status != posted",
        "caption matches \"(?i)giveaway|promo\"",
    ]

    static let titles = ["ops", "team", "oncall", "audit", "growth", "support", "eu", "us", "apac", "ci"]

    /// Rules cycling through 7 triggers, 10 conditions (one a regex) and 10 titles, as generated
    /// rule files do; each distinct template and regex is compiled once per load.
    static func ruleFile(count: Int, allFailed: Bool) -> String {
        var text = "channel ops = console\n"
        let triggers = ["failed", "posted", "generated -> pending_render", "new -> posted", "overdue 30m", "deleted", "* -> failed"]
        for index in 0..<count {
            let when = allFailed ? "failed" : triggers[index % triggers.count]
            var condition = conditions[index % conditions.count]
            if when != "posted" && condition == "delay > 10m" { condition = "scheduledTime < now" }
            if allFailed && condition.hasPrefix("from in") { condition = "from in (generated, pending_render)" }
            text += """
                rule "Rule \(index)" {
                  when \(when)
                  where \(condition)
                  notify ops
                  group by accountId
                  throttle 15m
                  severity \(["info", "warning", "critical"][index % 3])
                  title "{{count}} post(s) {{event}} for {{group.accountId}} (\(titles[index % titles.count]))"
                }

                """
        }
        return text
    }

    static func subject(_ random: inout SeededRandom) -> RuleSubject {
        let base = Date(timeIntervalSince1970: 1_713_801_600)
        let to = statuses.randomElement(using: &random) ?? "failed"
        let kindRoll = Int.random(in: 0..<10, using: &random)
        let kind: RuleSubject.Kind = kindRoll == 0 ? .overdue : kindRoll == 1 ? .deleted : .transition
        let posted = to == "posted"
        let captions = ["Check out this amazing content! #viral", "Big giveaway today #ad", "Step by step tutorial 🔥", "New drop"]
        return RuleSubject(
            kind: kind, from: (["new"] + statuses).randomElement(using: &random) ?? "new",
            to: kind == .deleted ? "deleted" : to, overdueSeconds: kind == .overdue ? 1800 : nil,
            postId: "post_\(Int.random(in: 0..<1_000_000, using: &random))",
            accountId: String(format: "acc_%04d", Int.random(in: 0..<20, using: &random)),
            platform: Bool.random(using: &random) ? "tiktok" : "instagram",
            contentType: Bool.random(using: &random) ? "video" : "slides",
            caption: captions.randomElement(using: &random) ?? "", timezone: "America/New_York",
            soundId: Bool.random(using: &random) ? "snd_1" : nil, thumbnailUrl: Bool.random(using: &random) ? "https://x/t.jpg" : nil,
            status: to, scheduledTime: base, postedAt: posted ? base.addingTimeInterval(Double.random(in: -60...3600, using: &random)) : nil,
            createdAt: base.addingTimeInterval(-Double.random(in: 0...200_000, using: &random)),
            slides: Int.random(in: 1...6, using: &random), now: base.addingTimeInterval(3600))
    }
}
