import Foundation
import Notify
import Rules

extension RuleSet {
    /// The router for this rule set (Notify's: match, group, throttle, render).
    func router() -> NotificationRouter {
        NotificationRouter(ruleSet: self)
    }
}
