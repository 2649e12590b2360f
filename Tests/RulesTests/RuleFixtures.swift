import Foundation
@testable import Rules

/// Subjects and helpers shared by the rules tests.
enum Fixture {
    static let scheduled = Date(timeIntervalSince1970: 1_713_801_600)  // 2024-04-22T16:00:00Z

    static func subject(
        kind: RuleSubject.Kind = .transition, from: String = "pending_render", to: String = "failed",
        overdueSeconds: Int? = nil, postId: String = "post_abc123", accountId: String = "acc_1a2b3c4d5e",
        platform: String = "tiktok", contentType: String = "video", caption: String = "Check out this amazing content! #viral",
        timezone: String = "America/New_York", soundId: String? = "snd_xyz789", thumbnailUrl: String? = nil,
        status: String? = nil, postedAfter: TimeInterval? = nil, createdBefore: TimeInterval = 86_400,
        slides: Int = 1, nowAfter: TimeInterval = 600
    ) -> RuleSubject {
        RuleSubject(
            kind: kind, from: from, to: to, overdueSeconds: overdueSeconds, postId: postId, accountId: accountId,
            platform: platform, contentType: contentType, caption: caption, timezone: timezone, soundId: soundId,
            thumbnailUrl: thumbnailUrl, status: status ?? (kind == .transition ? to : "generated"),
            scheduledTime: scheduled, postedAt: postedAfter.map { scheduled.addingTimeInterval($0) },
            createdAt: scheduled.addingTimeInterval(-createdBefore), slides: slides,
            now: scheduled.addingTimeInterval(nowAfter))
    }

    static let environment = [
        "OPS_SLACK_WEBHOOK": "https://hooks.slack.com/services/T000/B000/XXXX",
        "AUDIT_HOOK_URL": "https://audit.example.com/hook",
        "AUDIT_HOOK_SECRET": "s3cret-value",
    ]

    /// DESIGN.md's example, verbatim except the top-level `{{platform}}`.
    static let design = """
        channel ops    = slack env:OPS_SLACK_WEBHOOK
        channel team   = mattermost "https://chat.example.com/hooks/abc"
        channel oncall = email "oncall@example.com", "ops@example.com"
        channel audit  = webhook env:AUDIT_HOOK_URL secret env:AUDIT_HOOK_SECRET

        rule "Failed TikTok posts" {
          when failed                      # same as: when * -> failed
          where platform = tiktok and accountId in ("acc_1a2b3c4d5e", "acc_9f8e7d6c5b")
          notify ops, oncall, audit
          group by accountId               # one message per account per cycle
          throttle 15m                     # at most one message per group per 15 minutes
          severity critical
          title "{{count}} TikTok post(s) failed for {{group.accountId}}"
        }

        rule "Posted late" {
          when pending_render -> posted, generated -> posted
          where delay > 10m                # postedAt - scheduledTime
          notify team
          severity info
        }

        rule "Stuck posts" {
          when overdue 30m
          notify ops
        }
        """

    /// Loads a single rule body with an `ops` console channel around it.
    static func rule(_ clauses: String) throws(RuleLoadError) -> Rule? {
        let source = "channel ops = console\nrule \"r\" {\n\(clauses)\nnotify ops\n}\n"
        return try RuleSet.load(source: source, name: "t.rules").rules.first
    }

    /// The diagnostics of a source, as compiler text.
    static func diagnostics(_ source: String, name: String = "t.rules", environment: [String: String] = [:]) -> [String] {
        do {
            return try RuleSet.load(source: source, name: name, environment: environment).warnings.map(\.description)
        } catch {
            return error.diagnostics.map(\.description)
        }
    }
}
