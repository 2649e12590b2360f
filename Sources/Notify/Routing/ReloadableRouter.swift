import Foundation
import Rules
import Synchronization
import Watch

/// The daemon's router: the current rule set's, swapped whole when SIGHUP loads a good new one.
///
/// A cycle reads it once per call, so a reload never mixes two rule sets within one routing.
public final class ReloadableRouter: Router {
    private let current: Mutex<(rules: RuleSet, router: NotificationRouter)>

    public init(rules: RuleSet) {
        current = Mutex((rules, NotificationRouter(ruleSet: rules)))
    }

    /// The rule set routed with now.
    public var rules: RuleSet { current.withLock { $0.rules } }

    /// Routes with `rules` from the next call on.
    public func replace(with rules: RuleSet) {
        let router = NotificationRouter(ruleSet: rules)
        current.withLock { $0 = (rules, router) }
    }

    public var overdueThresholds: [Int] { current.withLock { $0.router.overdueThresholds } }

    public func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        current.withLock { $0.router }.route(events, at: now, throttle: throttle)
    }

    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>
    ) -> Routing {
        current.withLock { $0.router }.route(events, at: now, throttle: throttle, openAlerts: openAlerts)
    }

    public func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing {
        current.withLock { $0.router }.route(
            events, at: now, throttle: throttle, openAlerts: openAlerts, silences: silences, scheduled: scheduled)
    }
}
