import Foundation
import Rules
import Testing

@testable import Notify

/// The Block Kit layout: golden payloads, and Slack's documented limits and mrkdwn rules checked
/// over generated notifications of 1 to 300 posts with hostile captions.
@Suite struct SlackBlockKitTests {
    static func bodies(_ document: NotificationDocument) throws -> [Data] {
        SlackBlockKit(document: document).bodies()
    }

    /// The messages of a split notification as one JSON array, for one golden file.
    static func array(_ bodies: [Data]) -> Data {
        Data("[".utf8) + bodies.joined(separator: Data(",".utf8)) + Data("]".utf8)
    }

    // MARK: - Golden payloads

    @Test func goldenOnePost() throws {
        let document = try ChatDocuments.document(kind: .slack, captions: ["Prices < $20 & shipping > fast"])
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "slack", name: "blocks-1-post.json")
    }

    @Test func goldenThreePostsWithHeldEvents() throws {
        let document = try ChatDocuments.document(
            kind: .slack, severity: .warning, captions: ["New drop 🚀", "*Sale* _today_ `only`", "<!channel> see <https://evil.example|this>"],
            held: 2)
        try GoldenFile.check(try Self.bodies(document)[0], kind: "slack", name: "blocks-3-posts-held.json")
    }

    @Test func goldenLongCaption() throws {
        let caption = String(repeating: "A caption & more <text> ", count: 250)
        let document = try ChatDocuments.document(kind: .slack, severity: .info, captions: [caption, "short"])
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 1, "a long caption is shortened inside its section, never split off")
        try GoldenFile.check(bodies[0], kind: "slack", name: "blocks-long-caption.json")
    }

    @Test func goldenSplit() throws {
        let document = try ChatDocuments.document(kind: .slack, captions: (1...30).map { "caption \($0)" })
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 2)
        try GoldenFile.check(Self.array(bodies), kind: "slack", name: "blocks-split-30-posts.json")
    }

    // MARK: - Slack's limits

    /// The sizes checked: every size up to 60 (the first splits), then on to 300.
    static let sizes = Array(1...60) + Array(stride(from: 70, through: 300, by: 23))

    /// One test case per size: each is short, so a parallel run's cooperative threads are never
    /// held for long by this (a single loop over every size held one for ~10 s in a debug build).
    @Test(arguments: sizes)
    func everyMessageKeepsSlacksLimitsAndEveryPostArrivesOnce(count: Int) throws {
        let captions = ChatDocuments.hostileCaptions(count, seed: UInt64(count))
        let document = try ChatDocuments.document(kind: .slack, captions: captions)
        let messages = try Self.bodies(document).map(ChatDocuments.json)
        var seen: [String] = []
        for (number, message) in messages.enumerated() {
            let context = Comment(rawValue: "\(count) posts, message \(number + 1)/\(messages.count)")
            let fallback = try #require(message["text"] as? String, context)
            #expect(!fallback.isEmpty, context)
            let attachments = try #require(message["attachments"] as? [[String: Any]], context)
            #expect(attachments.count == 1, context)
            #expect(attachments[0]["color"] as? String == "#E01E5A", context)
            let blocks = try #require(attachments[0]["blocks"] as? [[String: Any]], context)
            #expect(blocks.count <= 50, context)
            #expect(blocks.first?["type"] as? String == "header", context)
            #expect(blocks.last?["type"] as? String == "context", context)
            let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String, context)
            #expect(header.count <= 150 && !header.isEmpty, context)
            if messages.count > 1 {
                #expect(header.hasSuffix(" (\(number + 1)/\(messages.count))"), context)
                #expect(fallback.hasSuffix(" (\(number + 1)/\(messages.count))"), context)
            }
            var text = 0
            var actionIDs: Set<String> = []
            for block in blocks {
                switch block["type"] as? String {
                case "header", "section":
                    let object = try #require(block["text"] as? [String: Any], context)
                    let value = try #require(object["text"] as? String, context)
                    #expect(value.count < 3_001 && !value.isEmpty, context)
                    text += value.count
                    if block["type"] as? String == "section" {
                        #expect(object["type"] as? String == "mrkdwn" && object["verbatim"] as? Bool == true, context)
                        seen.append(try #require(value.firstMatch(of: /post (p\d+) ·/).map { String($0.output.1) }, context))
                    }
                case "actions":
                    let buttons = try #require(block["elements"] as? [[String: Any]], context)
                    for button in buttons {
                        let url = try #require(button["url"] as? String, context)
                        #expect(url.hasPrefix("https://") && url.count <= 3_000, context)
                        let label = try #require((button["text"] as? [String: Any])?["text"] as? String, context)
                        #expect(label.count <= 75, context)
                        text += label.count
                        #expect(actionIDs.insert(try #require(button["action_id"] as? String)).inserted, context)
                    }
                case "context":
                    let elements = try #require(block["elements"] as? [[String: Any]], context)
                    #expect(elements.count <= 10, context)
                    for element in elements { text += (element["text"] as? String)?.count ?? 0 }
                default:
                    Issue.record("unexpected block \(block): \(context)")
                }
            }
            #expect(text <= 12_000, context)
        }
        #expect(seen == (1...count).map { "p\($0)" }, "\(count) posts: each once, in order")
    }

    @Test func twoHundredPostsGoAsNumberedMessages() throws {
        let document = try ChatDocuments.document(kind: .slack, captions: Array(repeating: "caption", count: 200))
        let bodies = try Self.bodies(document)
        // 2 blocks a post (section, buttons), 48 a message.
        #expect(bodies.count == 9)
        let headers = try bodies.map { body in
            let blocks = try #require((try ChatDocuments.json(body)["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
            return try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
        }
        #expect(headers.map { String($0.suffix(6)) } == (1...9).map { " (\($0)/9)" })
    }

    @Test func aLongCaptionIsShortenedInsideItsSection() throws {
        let caption = String(repeating: "<&>", count: 5_000)
        let document = try ChatDocuments.document(kind: .slack, captions: [caption])
        let message = try ChatDocuments.json(try Self.bodies(document)[0])
        let section = try #require(Self.sections(message).first)
        #expect(section.utf16.count <= 3_000)
        #expect(section.hasSuffix("…"))
        #expect(section.contains("post p1 · account acc_1a2b3c4d5e\npending_render → failed"), "the rest of the post stays")
        // Cut before escaping: never inside an entity.
        let quoted = try #require(section.split(separator: "\n").last).dropFirst(2).dropLast()
        #expect(quoted.hasSuffix("&lt;&amp;&gt;") || quoted.hasSuffix("&lt;") || quoted.hasSuffix("&amp;"), "\(quoted.suffix(20))")
    }

    @Test func onlyHTTPURLsOfAtMost3000CharactersBecomeButtons() throws {
        var document = try ChatDocuments.document(kind: .slack, captions: ["a", "b", "c"])
        document.events[0].post.contentUrl = .single("javascript:alert(1)")
        document.events[0].post.thumbnailUrl = "https://cdn.example/" + String(repeating: "x", count: 3_000)
        document.events[1].post.thumbnailUrl = nil
        let message = try ChatDocuments.json(try Self.bodies(document)[0])
        let blocks = try #require((message["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
        let types = blocks.compactMap { $0["type"] as? String }
        #expect(types == ["header", "section", "section", "actions", "section", "actions", "context"], "\(types)")
        let secondButtons = try #require(blocks[3]["elements"] as? [[String: Any]])
        #expect(secondButtons.map { ($0["text"] as? [String: Any])?["text"] as? String } == ["Content"])
    }

    // MARK: - mrkdwn safety

    /// Slack mrkdwn's control characters are `&`, `<`, `>`; every mention, link and date
    /// format is `<…>`, code is a backtick. A section (links go in buttons, not in text) and
    /// the context must hold none of them, whatever the captions, and the quoted caption must
    /// unescape to the caption.
    @Test func noMentionLinkOrCodeIsFormedFromACaption() throws {
        let captions = EscapingCorpusTests.fittingCorpus
        let document = try ChatDocuments.document(kind: .slack, captions: captions)
        let messages = try Self.bodies(document).map(ChatDocuments.json)
        let sections = try messages.flatMap(Self.sections)
        #expect(sections.count == captions.count)
        for (caption, section) in zip(captions, sections) {
            let context = Comment(rawValue: "\(String(reflecting: caption.prefix(80))) sent as \(String(reflecting: section.suffix(200)))")
            // The section's own markup is the post's bold headline and the `> ` quoting the caption.
            let parts = section.components(separatedBy: "\n> ")
            let value = TextFormatting.oneLine(caption)
            #expect(parts.count == (value.isEmpty ? 1 : 2), context)
            let text = parts.joined(separator: "\n")
            #expect(!text.contains("<") && !text.contains(">"), context)
            #expect(!text.contains("`") && !text.contains("~"), context)
            #expect(text.matches(of: /&/).count == text.matches(of: /&(amp|lt|gt);/).count, context)
            if value.isEmpty { continue }
            let quoted = parts[1]
            let unescaped = SlackBlockKit.unescaped(quoted)
            #expect(unescaped == EscapingCorpusTests.slackShown(value), context)
            #expect(!unescaped.contains("*"), "bold could form: \(context)")
        }
        for message in messages {
            let blocks = try #require((message["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
            let contextText = try #require((blocks.last?["elements"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(!contextText.contains("<") && !contextText.contains("`"))
        }
    }

    /// A header is plain text: Slack shows it as written and forms nothing in it.
    @Test func theHeaderIsPlainTextAndTheFallbackIsMrkdwn() throws {
        let rule = Fixtures.rule("A <!channel> & B", severity: .critical, when: "failed", channels: ["ops"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": .slack])
        let routing = router.route([Fixtures.event("p1")], at: Fixtures.t0, throttle: [:])
        let document = try NotificationDocument.decode(try #require(routing.notifications.first).payload)
        let message = try ChatDocuments.json(try Self.bodies(document)[0])
        #expect(message["text"] as? String == "🚨 A &lt;!channel&gt; &amp; B: 1 post failed")
        let blocks = try #require((message["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
        let header = try #require(blocks.first?["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
        #expect(header["text"] as? String == "🚨 A <!channel> & B: 1 post failed")
    }

    static func sections(_ message: [String: Any]) throws -> [String] {
        let blocks = try #require((message["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
        return blocks.filter { $0["type"] as? String == "section" }.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
    }
}
