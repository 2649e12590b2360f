import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Notification documents for the chat layouts' tests, routed as `run` routes them.
enum ChatDocuments {
    /// One notification of rule "Failed" for `captions.count` failed posts (`p1`, `p2`…), with
    /// `held` of them held back by a throttle since `Fixtures.t0`.
    static func document(
        kind: ChannelKind, severity: Severity = .critical, captions: [String], held: Int = 0
    ) throws -> NotificationDocument {
        let rule = Fixtures.rule("Failed", severity: severity, when: "failed", channels: ["ops"])
        let router = NotificationRouter(rules: [rule], channelKinds: ["ops": kind])
        let events = captions.enumerated().map { Fixtures.event("p\($0.offset + 1)", caption: $0.element) }
        let routing = router.route(events, at: Fixtures.t0, throttle: [:])
        var document = try NotificationDocument.decode(try #require(routing.notifications.first).payload)
        if held > 0 { document.suppressed = NotificationDocument.Suppressed(count: held, since: Fixtures.t0.addingTimeInterval(60)) }
        return document
    }

    /// `count` captions drawn from the escaping corpus by a seeded generator: the same on every run.
    static func hostileCaptions(_ count: Int, seed: UInt64) -> [String] {
        var state = seed
        return (0..<count).map { _ in
            // SplitMix64.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let corpus = EscapingCorpusTests.corpus
            return corpus[Int(z % UInt64(corpus.count))]
        }
    }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
