import Notify
import ServiceLifecycle

/// Runs `Delivery`'s loop in the daemon's service group; on SIGTERM the loop starts nothing
/// new and the sends in flight finish (and are marked) before it returns.
struct DeliveryService: Service, CustomStringConvertible {
    var description: String { "DeliveryService" }
    let delivery: Delivery

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await delivery.run()
        }
    }
}
