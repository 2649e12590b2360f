import Foundation
import Notify
import Rules
import Watch

extension RuleSet {
    /// The router for this rule set (Notify's: match, group, throttle, render).
    func router() -> NotificationRouter {
        NotificationRouter(ruleSet: self)
    }

    /// The rules an event fires, in file order, evaluated as the router evaluates them.
    func fired(by event: Event) -> [Rule] {
        rules(matching: RoutingRule.subject(of: event))
    }
}
