import Foundation
import Infinipost
import Rules
import Watch

@testable import Notify

/// Posts and events for tests.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_713_801_600)  // 2024-04-22T16:00:00Z

    static func post(
        _ id: String = "post_abc123", account: String = "acc_1a2b3c4d5e", platform: Platform = .tiktok,
        caption: String = "Check out this amazing content! #viral", status: PostStatus = .failed,
        postedAt: Date? = nil, slides: Int = 0, timezone: String = "America/New_York"
    ) -> Post {
        Post(
            postId: id, accountId: account, platform: platform, contentType: slides > 0 ? .slides : .video,
            contentUrl: slides > 0
                ? .multiple((1...slides).map { "https://storage.googleapis.com/b/\(id)/slide\($0).jpg" })
                : .single("https://storage.googleapis.com/b/\(id).mp4"),
            thumbnailUrl: "https://storage.googleapis.com/b/\(id)/thumb.jpg", caption: caption, soundId: "snd_xyz789",
            timezone: timezone, scheduledTime: t0, status: status, postedAt: postedAt,
            createdAt: t0.addingTimeInterval(-72_000))
    }

    static func event(
        _ id: String = "post_abc123", from: String = "pending_render", to: String = "failed",
        kind: Event.Kind = .transition, account: String = "acc_1a2b3c4d5e", caption: String = "Check out this amazing content! #viral",
        detectedAt: Date = t0.addingTimeInterval(60)
    ) -> Event {
        let status: PostStatus = kind == .transition ? PostStatus(rawValue: to) : (kind == .overdue ? .generated : PostStatus(rawValue: from))
        let postedAt = to == "posted" ? t0.addingTimeInterval(12) : nil
        return Event(
            kind: kind, from: from, to: to, overdueSeconds: kind == .overdue ? 1_800 : nil,
            post: post(id, account: account, caption: caption, status: status, postedAt: postedAt), detectedAt: detectedAt)
    }
}

extension Fixtures {
    /// A checked rule from rule-file text, as `run` loads it: `rule "NAME" { when …; notify … }`
    /// with the clauses given, its channels declared as consoles (a router is given the real
    /// kinds apart).
    static func rule(
        _ name: String = "Failed", severity: Severity = .warning, when trigger: String = "failed", channels: [String] = ["ops"],
        groupBy: [String] = [], throttle: Duration? = nil, extra: String = ""
    ) -> Rule {
        var text = channels.map { "channel \($0) = console\n" }.joined()
        text += "rule \"\(name)\" {\n  when \(trigger)\n  notify \(channels.joined(separator: ", "))\n  severity \(severity.rawValue)\n"
        if !groupBy.isEmpty { text += "  group by \(groupBy.joined(separator: ", "))\n" }
        if let throttle { text += "  throttle \(Int(throttle.secondsValue))s\n" }
        text += extra + "}\n"
        do {
            guard let rule = try RuleSet.load(source: text, name: "fixture.rules").rules.first else {
                preconditionFailure("the fixture rule text has no rule")
            }
            return rule
        } catch {
            preconditionFailure("the fixture rule text does not load: \(error)")
        }
    }
}
