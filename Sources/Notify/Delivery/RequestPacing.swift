/// The rate limit between the requests of one send: a notification split into several
/// messages (Slack's `(1/3)`, Discord, Teams, Telegram) or PagerDuty's one event per post.
///
/// ``Delivery`` takes one token of the destination's limit before a send; a send of several
/// requests takes one more before each further request through ``beforeNextRequest()``, so
/// a limit counts requests (PagerDuty's 120 events a minute, Slack's one message a second),
/// not notifications. A task-local value, as `CurlTransport.$deadline` is: the `Channel`
/// protocol stays one `send` (a channel used outside a delivery, by `channel test`, is not
/// paced).
struct RequestPacing: Sendable {
    /// Waits until the destination may take one more request.
    let wait: @Sendable () async -> Void

    /// The pacing of the send in progress; nil outside a delivery.
    ///
    /// A struct around the closure, not the closure itself: a task-local value of function
    /// type crashed in `swift_task_localValuePush` in a release build (Swift 6.3.1, Linux).
    @TaskLocal static var current: RequestPacing?

    /// Called by a channel before each request after a send's first.
    static func beforeNextRequest() async {
        if let current { await current.wait() }
    }
}
