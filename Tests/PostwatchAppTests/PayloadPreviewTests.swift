import Foundation
import Infinipost
import Rules
import Watch
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

/// The gallery `demo` ends with: the first notification drawn from the requests each HTTP
/// kind's channel would send.
@Suite struct LayoutGalleryTests {
    @Test func everyHTTPKindIsDrawnFromItsOwnRequestAndNothingIsSent() throws {
        let now = Date(timeIntervalSince1970: 1_713_801_600)
        let post = Post(
            postId: "p1", accountId: "acc_1", platform: .tiktok, contentType: .video,
            contentUrl: .single("https://example.com/p1.mp4"), caption: "Prices < $20 & shipping > fast", timezone: "UTC",
            scheduledTime: now, status: .failed, createdAt: now)
        let event = Event(kind: .transition, from: "pending_render", to: "failed", post: post, detectedAt: now)
        let text = LayoutGallery.text(events: [event], rule: "Failed", severity: .critical, at: now)
        let kinds = ChannelKind.allCases.filter { LayoutGallery.exampleTarget(of: $0) != nil }
        #expect(kinds.count == ChannelKind.allCases.count - 2, "every kind but email and console")
        for kind in kinds {
            #expect(text.contains("── \(kind.rawValue)"), "\(kind) is in the gallery")
        }
        // Drawn, not dumped: the caption reads as written in the chat layouts, and no raw
        // JSON of a known vendor shape is shown.
        #expect(text.contains("Prices < $20 & shipping > fast"))
        #expect(!text.contains("\"attachments\""))
        #expect(!text.contains("\"event_action\""))
        #expect(text.contains("TRIGGER · critical"))
    }
}
