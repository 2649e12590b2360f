/// The default title, and the body templates shared by several markups (Slack's own is in
/// `Channels/Kinds/Slack.swift`).
///
/// One body serves every event kind: the per-post `transition` line reads "pending_render →
/// failed", "first seen as failed", "overdue: still generated 42m after its scheduled time" or
/// "deleted (last seen posted)", and a posted delay is shown when there is one.
enum DefaultTemplates {
    /// `🚨 Failed TikTok posts: 3 posts failed (accountId acc_1)`.
    static let title = "{{severityEmoji}} {{rule}}: {{summary}}{{#groupText}} ({{groupText}}){{/groupText}}"

    /// What every body ends with: the count of posts left out for size, and the events a
    /// throttle held back.
    static let footer = """
        {{#more}}
        …and {{more}} more
        {{/more}}
        {{#suppressed}}
        Includes {{suppressed}} event(s) held back by the rule's throttle since {{suppressedSince}}.
        {{/suppressed}}
        """

    /// A body: its `{{#posts}}` section, then the ``footer``.
    static func withFooter(_ posts: String) -> String { posts + "\n" + footer }

    /// Mattermost and Discord.
    static let markdown = withFooter(
        """
        {{#posts}}
        {{statusEmoji}} **{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}** · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        *{{caption}}*
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        """)

    /// Email, console, the webhook's `text`.
    static let plain = withFooter(
        """
        {{#posts}}
        {{statusEmoji}} {{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}} · post {{postId}} · account {{accountId}}
          {{transition}}
          scheduled {{scheduledLocal}}{{#delayText}}, posted {{delayText}}{{/delayText}}
          caption: {{caption}}
          {{contentLink}}
        {{#thumbnailLink}}
          {{thumbnailLink}}
        {{/thumbnailLink}}

        {{/posts}}
        """)
}
