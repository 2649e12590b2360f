import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Documents sit in state files: the enums they now hold are written as the names the strings
/// were, so payloads written before still decode, and new ones read the same.
@Suite struct NotificationDocumentTests {
    @Test func severityAndChannelKindAreWrittenAsTheirNames() throws {
        let router = NotificationRouter(
            rules: [Fixtures.rule("Failed", severity: .critical, channels: ["ops"])], channelKinds: ["ops": .mattermost])
        let payload = try #require(router.route([Fixtures.event("p1")], at: Fixtures.t0, throttle: [:]).notifications.first).payload
        let json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(json["severity"] as? String == "critical")
        #expect(json["channelKind"] as? String == "mattermost")
        #expect((json["message"] as? [String: Any])?["format"] as? String == "mattermost")
    }

    @Test func aPayloadWrittenWithStringsDecodes() throws {
        let router = NotificationRouter(rules: [Fixtures.rule("Failed", channels: ["ops"])], channelKinds: ["ops": .slack])
        let payload = try #require(router.route([Fixtures.event("p1")], at: Fixtures.t0, throttle: [:]).notifications.first).payload
        var json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        json["severity"] = "info"
        json["channelKind"] = "email"
        let document = try NotificationDocument.decode(try JSONSerialization.data(withJSONObject: json))
        #expect(document.severity == .info && document.channelKind == .email)
        #expect(try NotificationDocument.decode(try document.encoded()) == document)
    }

    /// A format is its name in the outbox: every known one reads back as itself, a kind that
    /// writes plain text is not a format of its own, and an unknown name does not decode (it
    /// would otherwise be sent in a markup nobody chose).
    @Test func formatsAreStoredByNameAndReadBack() throws {
        #expect(MessageFormat.allCases.map(\.rawValue) == ["plain", "slack", "mattermost", "discord", "ntfy", "telegram", "teams"])
        for format in MessageFormat.allCases {
            let data = try JSONEncoder().encode(format)
            #expect(String(decoding: data, as: UTF8.self) == "\"\(format.rawValue)\"")
            #expect(try JSONDecoder().decode(MessageFormat.self, from: data) == format)
            #expect(MessageFormat(rawValue: format.rawValue)?.limit == format.limit)
        }
        #expect(MessageFormat(rawValue: "webhook") == nil)
        #expect(ChannelKind.webhook.format == .plain && ChannelKind.email.format == .plain)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MessageFormat.self, from: Data("\"carrier-pigeon\"".utf8)) }
    }
}
