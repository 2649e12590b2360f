/// The default title and body templates, one body per markup.
///
/// One body serves every event kind: the per-post `transition` line reads "pending_render →
/// failed", "first seen as failed", "overdue: still generated 42m after its scheduled time" or
/// "deleted (last seen posted)", and a posted delay is shown when there is one.
enum DefaultTemplates {
    /// `🚨 Failed TikTok posts: 3 posts failed (accountId acc_1)`.
    static let title = "{{severityEmoji}} {{rule}}: {{summary}}{{#groupText}} ({{groupText}}){{/groupText}}"

    static func body(for format: MessageFormat) -> String {
        switch format {
        case .slack: slack
        case .mattermost, .discord: markdown
        case .plain: plain
        }
    }

    static let slack = """
        {{#posts}}
        {{statusEmoji}} *{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}* · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        > {{caption}}
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        {{#more}}
        …and {{more}} more
        {{/more}}
        {{#suppressed}}
        Includes {{suppressed}} event(s) held back by the rule's throttle since {{suppressedSince}}.
        {{/suppressed}}
        """

    static let markdown = """
        {{#posts}}
        {{statusEmoji}} **{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}** · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        *{{caption}}*
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        {{#more}}
        …and {{more}} more
        {{/more}}
        {{#suppressed}}
        Includes {{suppressed}} event(s) held back by the rule's throttle since {{suppressedSince}}.
        {{/suppressed}}
        """

    static let plain = """
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
        {{#more}}
        …and {{more}} more
        {{/more}}
        {{#suppressed}}
        Includes {{suppressed}} event(s) held back by the rule's throttle since {{suppressedSince}}.
        {{/suppressed}}
        """
}
