import Foundation
import Infinipost
import Rules
import Testing
import Watch

@testable import Notify

/// The escaping corpus (``EscapingCorpusTests``) through the native layouts: what Discord
/// renders of an embed (description and field values) and what Teams renders of an Adaptive
/// Card's text, through the real CommonMark renderer (``CommonMark``).
@Suite struct NativeLayoutEscapingTests {
    /// One event per value, the value as its caption and as its account.
    static func document(_ kind: ChannelKind, values: [String]) -> NotificationDocument {
        var document = ChannelDocuments.document(kind, captions: values)
        for index in document.events.indices {
            let event = document.events[index]
            document.events[index] = Fixtures.event("p\(index + 1)", account: values[index], caption: event.post.caption)
        }
        return document
    }

    /// Discord renders an embed's description and field values as Markdown: a hostile caption
    /// or account shows as written there, forms no node and pings nobody.
    @Test func discordEmbedsShowHostileValuesAsWrittenAndFormNothing() async throws {
        let values = EscapingCorpusTests.fittingCorpus
        let embeds = DiscordMessages(Self.document(.discord, values: values)).embeds()
        #expect(embeds.count == values.count)
        let descriptions = embeds.map { $0.description ?? "" }
        let accounts = embeds.map { $0.fields.first { $0.name == "Account" }?.value ?? "" }
        let rendered = try await CommonMark.render(descriptions + accounts)
        for (index, value) in values.enumerated() {
            let expected = EscapingCorpusTests.withoutJoiners(TextFormatting.oneLine(value))
            for (what, sent, rendering) in [
                ("description", descriptions[index], rendered[index]), ("account", accounts[index], rendered[values.count + index]),
            ] {
                let context = Comment(rawValue: "\(what) \(String(reflecting: value.prefix(80))) sent as \(String(reflecting: sent.prefix(120)))")
                #expect(rendering.nodes.isEmpty, "formed \(rendering.nodes): \(context)")
                // An empty value is sent as a dash (Discord refuses an empty field).
                if !(what == "account" && expected.isEmpty) {
                    #expect(EscapingCorpusTests.withoutJoiners(rendering.text) == expected, "shown as \(String(reflecting: rendering.text.prefix(120))): \(context)")
                }
                #expect(EscapingCorpusTests.pings(rendering.text).isEmpty, "pings: \(context)")
                #expect(EscapingCorpusTests.pings(sent).isEmpty, "pings in what is sent: \(context)")
            }
        }
    }

    /// The 100 KB caption: shortened to the description's limit, and still nothing formed.
    @Test func aHugeHostileCaptionIsShortenedWithoutFormingAnything() async throws {
        let huge = try #require(EscapingCorpusTests.corpus.max { $0.utf16.count < $1.utf16.count })
        let description = try #require(DiscordMessages(ChannelDocuments.document(.discord, captions: [huge])).embeds().first?.description)
        #expect(description.utf16.count <= DiscordMessages.descriptionLimit)
        let rendered = try await CommonMark.render([description])
        #expect(rendered[0].nodes.isEmpty, "\(rendered[0].nodes)")
        let shown = EscapingCorpusTests.withoutJoiners(rendered[0].text)
        #expect(shown.hasSuffix("…"))
        #expect(TextFormatting.oneLine(huge).hasPrefix(String(shown.dropLast()).trimmingCharacters(in: .whitespaces)))
    }

    /// What a reader of an Adaptive Card sees of an escaped value, mapped back: the look-alikes
    /// to the characters they stand for, without word joiners.
    static func readBack(_ text: String) -> String {
        text.replacingOccurrences(of: MessageFormat.wordJoiner, with: "").replacingOccurrences(of: "\u{2217}", with: "*")
            .replacingOccurrences(of: "\u{02CB}", with: "`").replacingOccurrences(of: "\u{02CD}", with: "_")
    }

    /// Adaptive Card text is a Markdown subset (bold, italic, lists, links); a CommonMark
    /// renderer reads more than Teams does, so nothing formed there is nothing formed in Teams.
    @Test func teamsTextShowsHostileValuesAsWrittenAndFormsNothing() async throws {
        let values = EscapingCorpusTests.values
        let escaped = values.map(MessageFormat.teams.escape)
        let rendered = try await CommonMark.render(escaped)
        for (index, value) in values.enumerated() {
            let context = Comment(rawValue: "\(String(reflecting: value.prefix(80))) sent as \(String(reflecting: escaped[index].prefix(120)))")
            #expect(rendered[index].nodes.isEmpty, "formed \(rendered[index].nodes): \(context)")
            #expect(Self.readBack(rendered[index].text) == Self.readBack(value).trimmingCharacters(in: .whitespaces), "shown as \(String(reflecting: rendered[index].text.prefix(120))): \(context)")
        }
    }

    /// The same through whole cards: every caption and fact value of hostile posts.
    @Test func teamsCardsFormNothingFromHostileValues() async throws {
        let values = EscapingCorpusTests.fittingCorpus
        let containers = TeamsCards(Self.document(.teams, values: values)).containers()
        var texts: [String] = []
        for container in containers {
            guard case .array(let items) = container["items"] else { continue }
            for item in items {
                if item["type"] == "TextBlock", case .string(let text) = item["text"] { texts.append(text) }
                guard case .array(let facts) = item["facts"] else { continue }
                for fact in facts { if case .string(let value) = fact["value"] { texts.append(value) } }
            }
        }
        let rendered = try await CommonMark.render(texts)
        for (index, rendering) in rendered.enumerated() {
            #expect(rendering.nodes.isEmpty, "formed \(rendering.nodes) from \(String(reflecting: texts[index].prefix(120)))")
        }
    }

    @Test func teamsKeepsIntrawordUnderscoresAndLeadingLetters() {
        #expect(MessageFormat.teams.escape("my_brand launch") == "my_brand launch")
        #expect(MessageFormat.teams.escape("_it_ **b**") == "\u{2060}\u{02CD}it\u{02CD} \u{2217}\u{2217}b\u{2217}\u{2217}")
        #expect(MessageFormat.teams.escape("1. item") == "\u{2060}1. item")
        #expect(MessageFormat.teams.escape("[x](y)") == "\u{2060}[x]\u{2060}(y)")
    }
}
