import Curl
import Foundation
import Redaction

/// Sends the messages of a notification split into several (Discord, Teams), in order.
///
/// A 429 on a later message is waited out here, up to ``maxWait`` a few times, instead of
/// failing the notification: the retry would send the first messages again, and a
/// notification split into more messages than the service's burst (Discord takes 5 in 2
/// seconds) would then fail at the same place every time and never get through. A 429 on
/// the first message, and every other failure, is the notification's (the outbox retries it).
enum SplitDelivery {
    /// The longest wait taken inside a send.
    static let maxWait: Duration = .seconds(30)
    /// Tries of one message before its 429 becomes the notification's failure.
    static let triesPerMessage = 4

    /// Sends `requests` in order; `failure` says what an answer means (nil: accepted).
    static func send(
        _ requests: [HTTPRequest], transport: CurlTransport, redactor: Redactor,
        failure: (HTTPResponse) -> DeliveryFailure?
    ) async throws(DeliveryFailure) {
        for (index, request) in requests.enumerated() {
            var tries = 0
            while true {
                let response: HTTPResponse
                do {
                    response = try await transport.send(request)
                } catch {
                    throw DeliveryFailure.transport(error, redactor: redactor)
                }
                guard let refused = failure(response) else { break }
                tries += 1
                guard index > 0, response.status == 429, tries < triesPerMessage, let wait = refused.retryAfter, wait <= maxWait else {
                    throw refused
                }
                do { try await Task.sleep(for: wait) } catch { throw refused }
            }
        }
    }
}
