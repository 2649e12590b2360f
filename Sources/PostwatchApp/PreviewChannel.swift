import Foundation
import Notify
import Rules

/// `demo`'s stand-in for every channel: prints the message as the channel's flavour renders it,
/// under a header naming the channel, instead of sending it.
struct PreviewChannel: Channel {
    let name: String
    let kind: ChannelKind
    let rateLimit: RateLimit? = nil
    var destination: String { "preview \(name)" }
    let redactedDestination = "terminal"
    let terminal: Terminal

    func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        terminal.notification(document)
    }
}
