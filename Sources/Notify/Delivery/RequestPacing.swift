/// The rate limit between the requests of one send: a notification split into several
/// messages (Slack's `(1/3)`, Discord, Teams, Telegram) or PagerDuty's one event per post.
///
/// ``Delivery`` takes one send permit of the destination before a send; a send of several
/// requests takes one more before each further request through ``beforeNextRequest()``, so
/// a limit counts requests (PagerDuty's 120 events a minute, Slack's one message a second),
/// not notifications. A task-local value, as `CurlTransport.$deadline` is: the `Channel`
/// protocol stays one `send` (a channel used outside a delivery, by `channel test`, is not
/// paced).
struct RequestPacing: Sendable {
    /// Waits until the destination may take one more request; false when the send must stop
    /// there (the entry's claim passed to another replica, which sends it now).
    let wait: @Sendable () async -> Bool

    /// The pacing of the send in progress; nil outside a delivery.
    ///
    /// A struct around the closure, not the closure itself: a task-local value of function
    /// type crashed in `swift_task_localValuePush` in a release build (Swift 6.3.1, Linux).
    @TaskLocal static var current: RequestPacing?

    /// The failure that stops a send whose claim was lost; ``Delivery`` neither counts nor
    /// marks it (the replica holding the claim does).
    static let claimLost = DeliveryFailure(message: "the claim on this notification passed to another replica")

    /// Called by a channel before each request after a send's first; throws ``claimLost``
    /// when the rest of the send is no longer this process's to make.
    static func beforeNextRequest() async throws(DeliveryFailure) {
        if let current, !(await current.wait()) { throw claimLost }
    }
}
