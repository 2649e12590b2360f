import Notify
import ServiceLifecycle
import Watch

/// Runs `Delivery`'s loop in the daemon's service group; on SIGTERM the loop starts nothing
/// new and the sends in flight finish (and are marked) before it returns.
struct DeliveryService: Service {
    let delivery: Delivery
    let metrics: PostwatchMetrics
    let outbox: any Outbox

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await delivery.run()
        }
        if let depth = try? await outbox.depth() { metrics.outboxDepth(depth) }
    }
}
