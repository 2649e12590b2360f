import Curl

/// A channel whose send is HTTP requests made from the document alone, in order: every kind
/// but email and console. What it would send can be seen without sending (`demo`'s gallery of
/// layouts, golden files), and is exactly what ``Channel/send(_:)`` sends.
public protocol HTTPChannel: Channel {
    /// The requests `document` is sent as (several when a layout splits it), in order.
    func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest]
}

extension NtfyChannel: HTTPChannel {
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        [try request(for: document)]
    }
}

extension WebhookChannel: HTTPChannel {
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        [try request(for: document)]
    }
}

extension DiscordChannel: HTTPChannel {}
extension TeamsChannel: HTTPChannel {}
extension TelegramChannel: HTTPChannel {}
extension PagerDutyChannel: HTTPChannel {}
