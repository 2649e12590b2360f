/// The rate limit between the requests of one send: a notification split into several
/// messages (Slack's `(1/3)`, Discord, Teams, Telegram) or PagerDuty's one event per post.
///
/// ``Delivery`` takes one token of the destination's limit before a send; a send of several
/// requests takes one more before each further request through ``beforeNextRequest()``, so
/// a limit counts requests (PagerDuty's 120 events a minute, Slack's one message a second),
/// not notifications. A task-local value, as `CurlTransport.$deadline` is: the `Channel`
/// protocol stays one `send` (a channel used outside a delivery, by `channel test`, is not
/// paced).
enum RequestPacing {
    /// Waits until the destination may take one more request; nil outside a delivery.
    @TaskLocal static var wait: (@Sendable () async -> Void)?

    /// Called by a channel before each request after a send's first.
    static func beforeNextRequest() async {
        if let wait { await wait() }
    }
}
