import Curl
import Foundation
import Redaction
import Rules
import Testing

@testable import Notify

/// Every channel kind the rule language knows is registered in Notify and builds a channel of
/// its own kind (a registration copied from another kind and not changed would not).
@Suite struct ChannelRegistryTests {
    static let factory = ChannelFactory(transport: CurlTransport(), redactor: Redactor(), console: { _ in }) { _ throws(NotifyError) in
        SMTPConfiguration(url: "smtp://127.0.0.1:2525", tls: .none, from: try EmailAddress("postwatch@example.com"))
    }

    static func declaration(_ kind: ChannelKind) -> ChannelDeclaration {
        let targets: [String] = switch kind {
        case .email: ["oncall@example.com"]
        case .console: []
        case .telegram: ["https://api.telegram.org/bot1:abc/sendMessage?chat_id=1"]
        case .pagerduty: ["0123456789abcdef0123456789abcdef"]
        case .teams: ["https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=abc"]
        default: ["https://hooks.example.com/x"]
        }
        return ChannelDeclaration(name: "c", kind: kind, targets: targets, location: SourceLocation(file: "t", line: 1, column: 1))
    }

    @Test(arguments: ChannelKind.allCases)
    func everyKindBuildsAChannelOfItsKind(kind: ChannelKind) throws {
        let channel = try Self.factory.channel(for: Self.declaration(kind))
        #expect(channel.kind == kind)
        #expect(channel.format == kind.format)
    }

    @Test func theFormatsOfTheKinds() {
        #expect(ChannelKind.allCases.map(\.format) == [.slack, .mattermost, .discord, .plain, .plain, .plain, .ntfy, .telegram, .plain, .teams])
    }

    @Test func aMissingTargetOrSettingIsAConfigurationErrorNamingTheChannel() {
        let noURL = ChannelDeclaration(name: "ops", kind: .slack, targets: [], location: SourceLocation(file: "t", line: 1, column: 1))
        #expect(throws: NotifyError(code: .invalidConfiguration, message: "channel 'ops' has no URL")) {
            try Self.factory.channel(for: noURL)
        }
        var noSMTP = Self.factory
        noSMTP.smtp = { name throws(NotifyError) in throw NotifyError(code: .invalidConfiguration, message: "no smtp for \(name)") }
        #expect(throws: NotifyError(code: .invalidConfiguration, message: "no smtp for c")) {
            try noSMTP.channel(for: Self.declaration(.email))
        }
    }
}
