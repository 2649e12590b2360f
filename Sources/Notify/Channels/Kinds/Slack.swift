import Foundation
import Rules

extension ChannelRegistration {
    /// `slack`: an incoming webhook, Block Kit (``SlackBlockKit``) or `{"text": …}` in mrkdwn.
    static let slack = chat(.slack, markup: .slack)
}

extension MessageFormat {
    /// The slack markup (the format of `slack` channels).
    public static var slack: MessageFormat { ChannelKind.slack.format }
}

extension MessageFormat.Markup {
    /// Slack mrkdwn: `&`, `<`, `>` are the only control characters (and backticks are made
    /// harmless).
    static let slack = MessageFormat.Markup(
        limit: 40_000,
        escape: { value in
            // mrkdwn has no escape for a backtick, and a code block (```) is the one piece of
            // markup that spans lines: a look-alike keeps a caption from swallowing the message.
            let escaped = MessageFormat.entities(value)
            return escaped.contains("`") ? escaped.replacingOccurrences(of: "`", with: "\u{02CB}") : escaped
        },
        link: { safe, _, label in "<\(safe)|\(label)>" },
        bold: { "*\($0)*" },
        defaultBody: slackBody)

    /// The default body in mrkdwn.
    static let slackBody = DefaultTemplates.withFooter(
        """
        {{#posts}}
        {{statusEmoji}} *{{platform}} {{contentType}}{{#slides}} ({{slides}} slides){{/slides}}* · post {{postId}} · account {{accountId}}
        {{transition}} · scheduled {{scheduledLocal}}{{#delayText}} · posted {{delayText}}{{/delayText}}
        > {{caption}}
        {{contentLink}}{{#thumbnailLink}} · {{thumbnailLink}}{{/thumbnailLink}}

        {{/posts}}
        """)
}
