import Foundation
import Infinipost
import Watch

/// The simplest ``Router``: one notification per event to one channel, no throttling.
///
/// The test double of the cycle tests, the crash test and the watch benchmarks (the product
/// always routes by rules).
/// The payload is the event as JSON; the idempotency key is derived from the event alone, so a
/// cycle that is recomputed after a crash queues the same keys. Its one rule fires for every
/// event, so ``Routing/fired`` is `[rule]` per event.
public struct PerEventRouter: Router {
    public var channel: String
    public var rule: String
    public var overdueThresholds: [Int]

    public init(channel: String = "console", rule: String = "every event", overdueThresholds: [Int] = []) {
        self.channel = channel
        self.rule = rule
        self.overdueThresholds = overdueThresholds
    }

    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        let encoder = JSONEncoder.infinipost()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let notifications = events.compactMap { event -> OutboxDraft? in
            guard let payload = try? encoder.encode(event) else { return nil }
            return OutboxDraft(
                idempotencyKey: Self.key(for: event), channel: channel, rule: rule, payload: payload)
        }
        return Routing(notifications: notifications, fired: Array(repeating: [rule], count: events.count))
    }

    /// `kind:postId:from>to[:seconds]@detectedAt-in-ms`: unique per event, the same on every try.
    public static func key(for event: Event) -> String {
        let millis = Int64((event.detectedAt.timeIntervalSince1970 * 1000).rounded())
        let seconds = event.overdueSeconds.map { ":\($0)" } ?? ""
        return "\(event.kind.rawValue):\(event.post.postId):\(event.from)>\(event.to)\(seconds)@\(millis)"
    }
}
