import Curl
import Foundation
import Notify
import Redaction
import Rules
import Watch

/// `demo`'s last screen: one notification as each channel kind would send it, drawn from the
/// very requests the kind's channel makes (``HTTPChannel/requests(for:)``) by
/// ``PayloadPreview``. Nothing is sent: the channels are built against example URLs.
enum LayoutGallery {
    /// A target each kind accepts, for building a channel that never sends. An exhaustive
    /// switch: a new kind shows in the gallery once it says what its target looks like.
    static func exampleTarget(of kind: ChannelKind) -> String? {
        switch kind {
        case .slack: "https://hooks.slack.com/services/T000/B000/XXXX"
        case .mattermost: "https://chat.example.com/hooks/xxxx"
        case .discord: "https://discord.com/api/webhooks/1/xxxx"
        case .teams: "https://prod-00.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=xxxx"
        case .ntfy: "https://ntfy.sh/postwatch-demo"
        case .telegram: "https://api.telegram.org/bot1:xxxx/sendMessage?chat_id=1"
        case .pagerduty: "0123456789abcdef0123456789abcdef"
        case .webhook: "https://example.com/hook"
        // Not HTTP: email shows as its MIME text in `demo`'s own lines, console is the demo.
        case .email, .console: nil
        }
    }

    /// The drawing of `events` (one notification of `rule`) in every HTTP kind's layout.
    static func text(events: [Event], rule name: String, severity: Severity, at now: Date, width: Int = 76) -> String {
        let factory = ChannelFactory(
            transport: CurlTransport(), redactor: Redactor(), console: { _ in },
            smtp: { channel throws(NotifyError) in
                throw NotifyError(code: .invalidConfiguration, message: "channel '\(channel)': no SMTP in the gallery")
            })
        var sections: [String] = []
        for kind in ChannelKind.allCases {
            guard let target = exampleTarget(of: kind) else { continue }
            let declaration = ChannelDeclaration(
                name: kind.rawValue, kind: kind, targets: [target], location: SourceLocation(file: "gallery", line: 1, column: 1))
            guard let channel = try? factory.channel(for: declaration) as? any HTTPChannel,
                let document = document(events: events, rule: name, severity: severity, channel: channel, at: now),
                let requests = try? channel.requests(for: document)
            else { continue }
            let count = requests.count == 1 ? "" : " (\(requests.count) messages, the first shown)"
            sections.append("── \(kind.rawValue)\(count) ──\n" + PayloadPreview.text(kind: kind, body: requests.first?.body ?? Data(), width: width))
        }
        return sections.joined(separator: "\n\n")
    }

    /// The notification the router makes of `events` for `channel`, rendered in its format.
    static func document(
        events: [Event], rule name: String, severity: Severity, channel: any Channel, at now: Date
    ) -> NotificationDocument? {
        // A rule that takes exactly these events (its own `where` and templates stay out).
        var triggers: [Trigger] = []
        for event in events {
            let trigger: Trigger =
                switch event.kind {
                case .transition: .transition(from: nil, to: event.to)
                case .overdue: .overdue(seconds: event.overdueSeconds ?? 0)
                case .deleted: .deleted
                }
            if !triggers.contains(trigger) { triggers.append(trigger) }
        }
        let rule = Rule(name: name, severity: severity, triggers: triggers, channels: [channel.name])
        let routing = NotificationRouter(rules: [rule], channelKinds: [channel.name: channel.kind]).route(events, at: now, throttle: [:])
        return routing.notifications.first.flatMap { try? NotificationDocument.decode($0.payload) }
    }
}
