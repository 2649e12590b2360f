import Foundation
import Notify
import Rules
import Synchronization
import Watch

/// The daemon's router: the current rule set's, swapped whole when SIGHUP loads a good new one.
///
/// A cycle reads it once per call, so a reload never mixes two rule sets within one routing.
final class ReloadableRouter: Router {
    private let current: Mutex<(rules: RuleSet, router: NotificationRouter)>

    init(rules: RuleSet) {
        current = Mutex((rules, rules.router()))
    }

    var rules: RuleSet { current.withLock { $0.rules } }

    func replace(with rules: RuleSet) {
        let router = rules.router()
        current.withLock { $0 = (rules, router) }
    }

    var overdueThresholds: [Int] { current.withLock { $0.router.overdueThresholds } }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        current.withLock { $0.router }.route(events, at: now, throttle: throttle)
    }
}
