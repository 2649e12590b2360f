import Foundation
import Rules
import Testing

@testable import Notify

/// The Mattermost attachments layout: golden payloads, splitting, and escaping proven with a
/// real CommonMark renderer on every place Mattermost renders as Markdown.
@Suite struct MattermostAttachmentsTests {
    static func bodies(_ document: NotificationDocument) throws -> [Data] {
        MattermostAttachments(document: document).bodies()
    }

    static func attachments(_ body: Data) throws -> [[String: Any]] {
        try #require(try ChatDocuments.json(body)["attachments"] as? [[String: Any]])
    }

    // MARK: - Golden payloads

    @Test func goldenOnePost() throws {
        let document = try ChatDocuments.document(kind: .mattermost, captions: ["Prices < $20 & shipping > fast"])
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "mattermost", name: "attachments-1-post.json")
    }

    @Test func goldenThreePostsWithHeldEvents() throws {
        let document = try ChatDocuments.document(
            kind: .mattermost, severity: .warning, captions: ["New drop 🚀", "*Sale* _today_ `only`", "@channel see [this](https://evil.example)"],
            held: 2)
        try GoldenFile.check(try Self.bodies(document)[0], kind: "mattermost", name: "attachments-3-posts-held.json")
    }

    @Test func goldenLongCaption() throws {
        let caption = String(repeating: "A caption & more <text> ", count: 250)
        let document = try ChatDocuments.document(kind: .mattermost, severity: .info, captions: [caption])
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 1)
        try GoldenFile.check(bodies[0], kind: "mattermost", name: "attachments-long-caption.json")
    }

    @Test func goldenSplit() throws {
        let document = try ChatDocuments.document(kind: .mattermost, captions: (1...25).map { "caption \($0)" })
        let bodies = try Self.bodies(document)
        #expect(bodies.count == 2)
        try GoldenFile.check(SlackBlockKitTests.array(bodies), kind: "mattermost", name: "attachments-split-25-posts.json")
    }

    // MARK: - Shape and limits

    @Test func everyPostArrivesOnceInMessagesOfAtMost20Posts() throws {
        for (index, count) in [1, 2, 19, 20, 21, 40, 41, 150, 300].enumerated() {
            let captions = ChatDocuments.hostileCaptions(count, seed: UInt64(100 + index))
            let document = try ChatDocuments.document(kind: .mattermost, captions: captions)
            let bodies = try Self.bodies(document)
            var titles: [String] = []
            for (number, body) in bodies.enumerated() {
                let message = try ChatDocuments.json(body)
                let text = try #require(message["text"] as? String)
                #expect(text.hasPrefix("**🚨 Failed: "), "the title line")
                if bodies.count > 1 { #expect(text.hasSuffix(" (\(number + 1)/\(bodies.count))**")) }
                let attachments = try Self.attachments(body)
                #expect(attachments.count <= 20)
                var size = 0
                for attachment in attachments {
                    #expect(attachment["color"] as? String == "#E01E5A")
                    #expect((attachment["fallback"] as? String)?.isEmpty == false)
                    let fields = try #require(attachment["fields"] as? [[String: Any]])
                    #expect(fields.prefix(3).map { $0["title"] as? String } == ["Platform", "Account", "Status"])
                    #expect(fields.prefix(3).allSatisfy { $0["short"] as? Bool == true })
                    for field in fields { size += (field["value"] as? String)?.utf16.count ?? 0 }
                    size += (attachment["text"] as? String)?.utf16.count ?? 0
                    titles.append(try #require(attachment["title"] as? String))
                }
                #expect(size <= 16_383)
            }
            #expect(titles.map { $0.firstMatch(of: /post (p\d+)$/).map { String($0.output.1) } } == (1...count).map { "p\($0)" })
            #expect(try Self.attachments(bodies[bodies.count - 1]).last?["footer"] as? String == "\(count) \(count == 1 ? "post" : "posts")")
        }
    }

    @Test func theFooterCountsHeldEvents() throws {
        let document = try ChatDocuments.document(kind: .mattermost, captions: ["a", "b", "c"], held: 2)
        let attachments = try Self.attachments(try Self.bodies(document)[0])
        #expect(attachments.map { $0["footer"] as? String } == [nil, nil, "3 posts · 2 of them held back by the throttle since 2024-04-22 16:01 UTC"])
    }

    // MARK: - Escaping, through a real CommonMark renderer

    /// The Caption field of each post renders to exactly the caption (on one line), forming no
    /// node and pinging nobody; the title and text form what a harmless post's do, no more.
    @Test func hostileCaptionsShowAsWrittenAndFormNothing() async throws {
        let captions = ["Check out this amazing content"] + EscapingCorpusTests.corpus
        let document = try ChatDocuments.document(kind: .mattermost, captions: captions)
        let attachments = try Self.bodies(document).flatMap(Self.attachments)
        #expect(attachments.count == captions.count)
        var documents: [String] = []
        for attachment in attachments {
            let fields = try #require(attachment["fields"] as? [[String: Any]])
            let caption = fields.first { $0["title"] as? String == "Caption" }?["value"] as? String ?? ""
            documents += [caption, try #require(attachment["title"] as? String), try #require(attachment["text"] as? String)]
            documents += fields.prefix(3).compactMap { $0["value"] as? String }
        }
        let rendered = try await CommonMark.render(documents)
        let perPost = 6
        let harmlessTitle = rendered[1].nodes
        let harmlessText = rendered[2].nodes
        #expect(harmlessText.contains("link_open"), "the content and thumbnail links")
        for (index, caption) in captions.enumerated() {
            let base = index * perPost
            let context = Comment(rawValue: String(reflecting: caption.prefix(80)))
            let value = TextFormatting.oneLine(caption)
            let shown = EscapingCorpusTests.withoutJoiners(rendered[base].text)
            if value.utf16.count < 2_500 {
                // A string value's leading BOM does not survive Foundation's JSON parsing here (the
                // caption is a field of its own); the bytes sent keep it.
                let expected = EscapingCorpusTests.withoutJoiners(value).trimmingCharacters(in: .whitespaces)
                #expect(shown == expected || "\u{FEFF}" + shown == expected, context)
            } else {
                // The 100 KB caption: shortened, the shown part a prefix of the caption.
                #expect(shown.hasSuffix("…") && value.hasPrefix(String(shown.dropLast()).trimmingCharacters(in: .whitespaces)), context)
            }
            #expect(rendered[base].nodes.isEmpty, "formed \(rendered[base].nodes): \(context)")
            #expect(rendered[base + 1].nodes == harmlessTitle, context)
            #expect(rendered[base + 2].nodes == harmlessText, context)
            for offset in 0..<perPost {
                #expect(EscapingCorpusTests.pings(rendered[base + offset].text).isEmpty, context)
                #expect(EscapingCorpusTests.pings(documents[base + offset]).isEmpty, context)
                #expect(EscapingCorpusTests.slackMarkup(documents[base + offset]).isEmpty, context)
            }
        }
        for attachment in attachments {
            #expect(EscapingCorpusTests.pings(try #require(attachment["fallback"] as? String)).isEmpty)
        }
    }
}
