import Testing

@testable import Rules

/// The `layout` channel option: `channel ops = slack env:HOOK layout text`.
@Suite struct ChannelLayoutTests {
    let environment = ["HOOK": "https://hooks.example.com/T/B/X", "KEY": "k", "DISCORD": "https://discord.com/api/webhooks/1/AbCdEfGhIjKlMnOpQrStUvWx"]

    func load(_ channels: String) throws -> RuleSet {
        try RuleSet.load(source: channels + "\nrule \"r\" {\n  when failed\n  notify ops\n}\n", name: "a.rules", environment: environment)
    }

    /// The error text of a source that must not load.
    func errors(_ channels: String) -> [String] {
        do {
            _ = try load(channels)
            return []
        } catch let error as RuleLoadError {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aLayoutIsReadAndTheKindsDefaultIsNil() throws {
        #expect(try load("channel ops = slack env:HOOK layout text").channels["ops"]?.layout == .text)
        #expect(try load("channel ops = slack env:HOOK layout blocks").channels["ops"]?.layout == .blocks)
        #expect(try load("channel ops = mattermost env:HOOK layout attachments").channels["ops"]?.layout == .attachments)
        #expect(try load("channel ops = mattermost env:HOOK layout text").channels["ops"]?.layout == .text)
        #expect(try load("channel ops = slack env:HOOK").channels["ops"]?.layout == nil)
        #expect(ChannelKind.slack.defaultLayout == .blocks)
        #expect(ChannelKind.mattermost.defaultLayout == .attachments)
        #expect(ChannelKind.discord.defaultLayout == nil)
    }

    /// Options follow the targets in any order.
    @Test func optionsComeInAnyOrder() throws {
        // A webhook has no layouts; ntfy takes a secret: the order is still parsed either way.
        let set = try load("channel ops = slack env:HOOK layout text\nchannel n = ntfy \"https://ntfy.sh/alerts-123\" secret env:KEY")
        #expect(set.channels["n"]?.secret == "k")
        #expect(errors("channel ops = webhook env:HOOK layout text secret env:KEY").count == 1)
        #expect(errors("channel ops = webhook env:HOOK secret env:KEY layout text").count == 1)
    }

    @Test func aBadLayoutIsAnErrorWithItsPlaceAndAGuess() {
        let found = errors("channel ops = slack env:HOOK layout blokcs")
        #expect(found == [
            """
            a.rules:1:37: error: unknown slack layout 'blokcs'; did you mean 'blocks'?
            channel ops = slack env:HOOK layout blokcs
                                                ^~~~~~
            """,
        ], "\(found)")
        let far = errors("channel ops = slack env:HOOK layout fancy")
        #expect(far.first?.hasPrefix("a.rules:1:37: error: unknown slack layout 'fancy' (use 'blocks' or 'text')") == true, "\(far)")
        // Mattermost has no blocks.
        let wrongKind = errors("channel ops = mattermost env:HOOK layout blocks")
        #expect(wrongKind.first?.hasPrefix("a.rules:1:42: error: unknown mattermost layout 'blocks' (use 'attachments' or 'text')") == true, "\(wrongKind)")
    }

    @Test func aKindWithoutLayoutsRefusesTheOption() {
        let found = errors("channel ops = discord env:DISCORD layout text")
        #expect(found.first?.hasPrefix(
            "a.rules:1:42: error: a discord channel has one layout and takes no 'layout' option (only slack and mattermost do)") == true,
            "\(found)")
    }

    @Test func aMisspelledOrRepeatedOptionIsASyntaxError() {
        let misspelled = errors("channel ops = slack env:HOOK layuot text")
        #expect(misspelled.first?.hasPrefix("a.rules:1:30: error: unknown channel option 'layuot'; did you mean 'layout'?") == true, "\(misspelled)")
        let repeated = errors("channel ops = slack env:HOOK layout text layout blocks")
        #expect(repeated.first?.hasPrefix("a.rules:1:42: error: this channel already has a 'layout'") == true, "\(repeated)")
        let missing = errors("channel ops = slack env:HOOK layout")
        #expect(missing.first?.contains("expected a layout after 'layout' (blocks, attachments or text)") == true, "\(missing)")
    }
}
