import Curl
import Foundation
import Redaction

/// Sends the messages of a notification split into several (Slack and Mattermost layouts,
/// Discord, Teams, Telegram), in order, paced by the destination's rate limit
/// (``RequestPacing``).
///
/// **Resuming.** The messages taken are remembered per notification (``SentMessages``): a
/// retry after a failure on message 3 of 5 starts at message 3, within one process. After a
/// restart the memory is gone and a retry sends every message again, so delivery is at least
/// once: a reader may see the first messages of one notification twice, never another's.
///
/// **A 429.** Like every failure it is the notification's: the outbox retries it after the
/// `Retry-After` (the destination is paused until then), from the message that was refused.
/// Nothing is slept inside a send: the wait is the delivery's, on its injected clock, and a
/// split notification larger than the service's burst still gets through, since each retry
/// goes on where the last one stopped and every message after the first waits for its token.
enum SplitDelivery {
    /// Sends `requests`, the messages of `document`, in order from the first not yet taken;
    /// `failure` says what an answer means (nil: accepted).
    static func send(
        _ requests: [HTTPRequest], of document: NotificationDocument, progress: SentMessages, transport: CurlTransport,
        redactor: Redactor, failure: (HTTPResponse) -> DeliveryFailure?
    ) async throws(DeliveryFailure) {
        // The key names the notification and its number of messages: a document rendered
        // differently (a changed layout after a reload) starts over.
        let key = "\(document.idempotencyKey) \(requests.count)"
        let first = progress.sent(key)
        for (index, request) in requests.enumerated() where index >= first {
            if index > first { try await RequestPacing.beforeNextRequest() }
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                throw DeliveryFailure.transport(error, redactor: redactor)
            }
            if let refused = failure(response) { throw refused }
            progress.record(key, sent: index + 1, of: requests.count)
        }
    }
}
