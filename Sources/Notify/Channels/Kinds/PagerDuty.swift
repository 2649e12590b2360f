import Curl
import Foundation
import Redaction
import Rules
import Watch

/// A PagerDuty service through the Events API v2: one event per post of a notification
/// (`trigger` for a rule's message, `resolve` for its follow-up), POSTed as JSON to
/// `/v2/enqueue` with the integration's routing key.
///
/// Declared as `channel oncall = pagerduty env:PD_ROUTING_KEY`, optionally with
/// `endpoint "https://events.eu.pagerduty.com/v2/enqueue"` (the EU service region). The routing
/// key is a secret: redacted everywhere, never in a rule file. Every event of one rule and post
/// has the same `dedup_key` (``PagerDutyEvent/dedupKey(rule:postId:)``), so PagerDuty keeps one
/// incident per post, a resolve finds its trigger, and a retried notification that sends its
/// events again changes nothing there.
///
/// Answers: 202 accepted (any 2xx); 429 not taken, retried after `Retry-After` (else the
/// delivery's backoff); 5xx and timeouts retried; 400 (an invalid event) and other 4xx
/// permanent, with PagerDuty's redacted error text. A notification of several posts sends its
/// events in order and stops at the first failure that a retry can cure (the retry sends them
/// all again); a permanent refusal of one post does not keep the others from being sent.
public struct PagerDutyChannel: Channel {
    public let name: String
    public let kind = ChannelKind.pagerduty
    public let rateLimit: RateLimit?
    let routingKey: String
    let endpoint: String
    let transport: CurlTransport
    let redactor: Redactor
    /// The longest one request may take (a test shortens it).
    let timeout: Duration

    /// PagerDuty's events endpoint in the US service region.
    public static let defaultEndpoint = "https://events.pagerduty.com/v2/enqueue"

    /// About 120 events a minute per routing key (PagerDuty's documented limit), a few at once:
    /// each event takes a token (``RequestPacing``), so a notification of 50 posts is spread
    /// over its 25 seconds. PagerDuty's 429 (retried, `Retry-After` honoured) covers the rest.
    public static let rateLimit = RateLimit(perSecond: 2, burst: 5)

    /// - Parameters:
    ///   - routingKey: the integration key (a secret: never logged).
    ///   - endpoint: the events URL; nil for ``defaultEndpoint``.
    ///   - redactor: every secret of the process; the routing key is always added.
    ///   - timeout: the longest one request may take.
    public init(
        name: String, routingKey: String, endpoint: String? = nil, transport: CurlTransport,
        rateLimit: RateLimit? = PagerDutyChannel.rateLimit, redactor: Redactor = Redactor(), timeout: Duration = .seconds(30)
    ) throws(NotifyError) {
        guard !routingKey.isEmpty, !routingKey.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(name)': the routing key is not one word")
        }
        self.name = name
        self.routingKey = routingKey
        self.endpoint = endpoint ?? Self.defaultEndpoint
        self.transport = transport
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.redactor = redactor.merging(Redactor(secrets: [routingKey]))
    }

    /// The rate limit is per routing key: two channels on one key share it.
    public var destination: String { "pagerduty:\(endpoint)#\(routingKey)" }
    public var redactedDestination: String { redactedURL(endpoint) }

    /// The requests a document is sent as: one per post, in order.
    public func requests(for document: NotificationDocument) throws(DeliveryFailure) -> [HTTPRequest] {
        PagerDutyEvent.events(of: document).map { event in
            HTTPRequest(
                method: .post, url: endpoint, headers: [("Content-Type", "application/json"), ("Expect", "")],
                body: event.body(routingKey: routingKey), totalTimeout: timeout, maxResponseBytes: 64 << 10)
        }
    }

    public func send(_ document: NotificationDocument) async throws(DeliveryFailure) {
        var refused: DeliveryFailure?
        for (index, request) in try requests(for: document).enumerated() {
            // One token of the routing key's limit per event, not per notification.
            if index > 0 { try await RequestPacing.beforeNextRequest() }
            do throws(DeliveryFailure) {
                try await transport.deliver(request, redactor: redactor)
            } catch where error.isPermanent {
                // This post's event is invalid; the others may not be.
                refused = refused ?? error
            }
        }
        if let refused { throw refused }
    }
}

extension PagerDutyChannel {
    /// What PagerDuty would show for `event` as a message of `rule`: the `dedup_key` and the
    /// incident's summary (for `rules test`, which renders without sending).
    public static func preview(_ rule: Rule, event: Event, at now: Date) -> (dedupKey: String, summary: String) {
        let document = NotificationDocument(
            idempotencyKey: "", rule: rule.name, severity: rule.severity, channel: "", channelKind: .pagerduty, group: [:],
            groupKey: "", createdAt: now, events: [event], suppressed: nil,
            message: MessageDrafts.preview(rule, events: [event], kind: .pagerduty))
        let pagerDuty = PagerDutyEvent.event(for: event, in: document)
        return (pagerDuty.dedupKey, pagerDuty.summary)
    }
}

extension ChannelRegistration {
    /// `pagerduty`: a routing key (a secret) and an optional `endpoint`; plain text (the
    /// rendered title travels in `custom_details.message`).
    static let pagerduty = ChannelRegistration(format: .plain) { declaration, factory throws(NotifyError) in
        guard let key = declaration.targets.first else {
            throw NotifyError(code: .invalidConfiguration, message: "channel '\(declaration.name)' has no routing key")
        }
        return try PagerDutyChannel(
            name: declaration.name, routingKey: key, endpoint: declaration.endpoint, transport: factory.transport,
            redactor: factory.redactor)
    }
}
