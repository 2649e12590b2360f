/// The rules the model test runs postwatch with, next to the model's own reading of them.
///
/// Kept small on purpose: each rule's predicate below is one line, so that when the pipeline and
/// the model disagree it is obvious which one is wrong. Between them they use `group by`,
/// `throttle`, `where`, several channels for one rule, webhooks and email.
enum ModelRules {
    /// What the model knows of an event: enough to decide each rule, nothing the rules don't read.
    struct Event: Hashable, Sendable {
        enum Kind: String, Sendable { case transition, deleted }
        var postId: String
        var kind: Kind
        /// `new` for a post not stored before; the last stored status for `deleted`.
        var from: String
        /// The new status; `deleted` for a deletion.
        var to: String
        var platform: String
        var accountId: String
    }

    /// One rule as the model reads it.
    struct Rule: Sendable {
        var name: String
        var channels: [String]
        var matches: @Sendable (Event) -> Bool
    }

    /// Seconds of the throttled rule's window; the test waits past it before the final count.
    static let throttleSeconds = 2

    static let rules: [Rule] = [
        Rule(name: "A failed", channels: ["failures"]) { $0.kind == .transition && $0.to == "failed" },
        Rule(name: "B posted", channels: ["posted"]) { $0.kind == .transition && $0.to == "posted" },
        Rule(name: "C deleted", channels: ["mail", "audit"]) { $0.kind == .deleted },
        Rule(name: "D tiktok digest", channels: ["digest"]) {
            $0.kind == .transition && ["posted", "failed"].contains($0.to) && $0.platform == "tiktok"
        },
    ]

    /// The rule with the severity that makes `check` exit 1 when it fires.
    static let alerting = "A failed"

    /// The rule file: the channel URLs come from the environment the test gives postwatch.
    static let text = """
        channel failures = webhook env:HOOK secret env:HOOK_SECRET
        channel posted   = webhook env:POSTED_HOOK
        channel audit    = webhook env:AUDIT_HOOK
        channel digest   = webhook env:DIGEST_HOOK
        channel mail     = email "oncall@example.com"

        rule "A failed" {
          when failed
          notify failures
          group by postId
          severity critical
        }

        rule "B posted" {
          when * -> posted
          notify posted
          severity info
        }

        rule "C deleted" {
          when deleted
          notify mail, audit
          severity info
          body "{{#posts}}EVENT {{postId}} {{from}} {{to}}\\n{{/posts}}"
        }

        rule "D tiktok digest" {
          when posted, failed
          where platform = tiktok
          notify digest
          group by accountId
          throttle \(throttleSeconds)s
          severity info
        }
        """

    /// The webhook channels and the receiver path each is sent to.
    static let webhookPaths: [String: String] = [
        "posted": "/posted", "audit": "/audit", "digest": "/digest",
    ]
}
