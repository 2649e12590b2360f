import Foundation
import Infinipost
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// Notification documents for the layout tests of the native chat kinds (Discord, Teams): one
/// event per caption, rendered for the kind's format as routing would.
enum ChannelDocuments {
    /// Captions written to break a message (a short selection of the escaping corpus).
    static let hostileCaptions = [
        "@everyone <@123> <@&456> <!here> **bold** _it_ `code` [x](https://evil.example) # h",
        "- item", "1. item", "> quote", "<b>html</b> &amp; &#64;here", "<at>Alice</at> ~~strike~~ \\*esc\\*",
        "مرحبا @channel 🚀 \u{202E}fdp.exe", "||spoiler|| ```fence```",
        String(repeating: "Prices < $20 & *bold* @everyone [x](https://e.example) ", count: 80),
    ]

    static func document(
        _ kind: ChannelKind, captions: [String] = ["Prices < $20 & shipping > fast"], severity: Severity = .critical,
        suppressed: NotificationDocument.Suppressed? = nil, rule: String = "Failed"
    ) -> NotificationDocument {
        let events = captions.enumerated().map { index, caption in
            Fixtures.event("p\(index + 1)", account: "acc_\(index % 3 + 1)", caption: caption)
        }
        let subject = MessageSubject(rule: rule, severity: severity, events: events, suppressed: suppressed)
        return NotificationDocument(
            idempotencyKey: "k-\(captions.count)", rule: rule, severity: severity, channel: "ops", channelKind: kind, group: [:],
            groupKey: "", createdAt: Fixtures.t0, events: events, suppressed: suppressed,
            message: MessageRenderer().render(subject, format: kind.format))
    }

    /// `count` posts with captions from ``hostileCaptions``, in turn.
    static func hostile(_ kind: ChannelKind, count: Int) -> NotificationDocument {
        document(kind, captions: (0..<count).map { hostileCaptions[$0 % hostileCaptions.count] })
    }

    /// Four events held back by a throttle for the last hour.
    static let held = NotificationDocument.Suppressed(count: 4, since: Fixtures.t0.addingTimeInterval(-3_600))

    /// The bodies as one JSON array, for a golden file.
    static func array(_ bodies: [Data]) -> Data {
        Data("[".utf8) + bodies.reduce(Data()) { $0 + ($0.isEmpty ? Data() : Data(",".utf8)) + $1 } + Data("]".utf8)
    }

    static func json(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.propertyListReadCorrupt)
        }
        return object
    }

    /// Sends `document` through a channel made by `channel` (given the receiver and a 300 ms
    /// timeout) to a receiver that answers after 30 s: the failure is one to retry, and its
    /// message never holds `secret`.
    static func expectATimeoutIsRetried(
        secret: String, document: NotificationDocument, sourceLocation: Testing.SourceLocation = #_sourceLocation,
        channel: (HTTPReceiver, Duration) throws -> any Channel
    ) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(30)))
        let channel = try channel(receiver, .milliseconds(300))
        do throws(DeliveryFailure) {
            try await channel.send(document)
            Issue.record("a 30 s answer arrived within 300 ms", sourceLocation: sourceLocation)
        } catch {
            #expect(!error.isPermanent && !error.destinationGone, sourceLocation: sourceLocation)
            #expect(!error.message.contains(secret), "\(error.message)", sourceLocation: sourceLocation)
        }
    }
}
