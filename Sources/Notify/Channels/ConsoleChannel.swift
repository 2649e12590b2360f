import Foundation
import Rules

/// The rendered text on a stream (stdout): for `check`, `demo` and trying rules.
public struct ConsoleChannel: Channel {
    public let name: String
    public let kind = ChannelKind.console
    public let rateLimit: RateLimit? = nil
    public let destination = "console"
    public let redactedDestination = "console"
    let write: @Sendable (String) -> Void

    public init(name: String, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.name = name
        self.write = write
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        let message = document.message
        write(message.title + (message.body.isEmpty ? "" : "\n" + message.body) + "\n")
    }
}
