import Foundation
import Rules
import Testing

@testable import PostwatchApp

/// The text drawings of payloads read the vendors' documented shapes: what a payload carries
/// is drawn, in order, and nothing is made up.
@Suite struct PayloadPreviewTests {
    func draw(_ kind: ChannelKind, _ json: String, width: Int = 76) -> [String] {
        PayloadPreview.text(kind: kind, body: Data(json.utf8), width: width).components(separatedBy: "\n")
    }

    @Test func slackBlocksInAnAttachmentAreDrawnInOrder() {
        let lines = draw(.slack, """
            {"text": "fallback", "attachments": [{"color": "#d62728", "blocks": [
              {"type": "header", "text": {"type": "plain_text", "text": "2 posts failed"}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "*tiktok video* &lt;b&gt; <https://x.test/c|content>"}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 posts"}, {"type": "mrkdwn", "text": "rule r"}]},
              {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Content"}, "url": "https://x.test/c"}]}
            ]}]}
            """)
        #expect(lines == ["┃ (colour bar #d62728)", "┃ 2 POSTS FAILED", "┃ *tiktok video* <b> content", "┃ 2 posts · rule r", "┃ [ Content ]"])
    }

    @Test func slackTextOnlyIsItsText() {
        #expect(draw(.slack, #"{"text": "a &amp; b"}"#) == ["┃ a & b"])
    }

    @Test func discordEmbedsShowTheirFields() {
        let lines = draw(.discord, """
            {"content": "1 post failed", "allowed_mentions": {"parse": []}, "embeds": [{"title": "tiktok video", "color": 14034728,
              "description": "caption", "fields": [{"name": "account", "value": "acc_1", "inline": true}], "timestamp": "2024-04-22T16:00:00Z"}]}
            """)
        #expect(lines == ["┃ 1 post failed", "┃ (colour bar #d62728)", "┃ TIKTOK VIDEO", "┃ caption", "┃   account: acc_1", "┃ 2024-04-22T16:00:00Z"])
    }

    @Test func telegramHTMLIsShownAsText() {
        #expect(draw(.telegram, #"{"chat_id": 1, "text": "<b>Failed</b> a &lt; b &amp; c"}"#) == ["┃ Failed a < b & c"])
    }

    @Test func ntfyShowsPriorityTitleAndClick() {
        let lines = draw(.ntfy, #"{"topic": "t", "title": "Failed", "message": "m", "priority": 5, "tags": ["rotating_light"], "click": "https://x.test"}"#)
        #expect(lines == ["┃ priority 5 · rotating_light", "┃ FAILED", "┃ m", "┃ → https://x.test"])
    }

    @Test func longLinesWrapAtWordsAndAWordLongerThanTheWidthIsCut() {
        let lines = draw(.telegram, #"{"text": "aaaa bbbb cccc dddddddddddd"}"#, width: 12)
        #expect(lines == ["┃ aaaa bbbb", "┃ cccc", "┃ dddddddddd", "┃ dd"])
        #expect(lines.allSatisfy { $0.count <= 12 })
    }

    @Test func aBodyThatIsNotJSONIsShownAsItIs() {
        #expect(draw(.slack, "not json") == ["┃ not json"])
    }
}
