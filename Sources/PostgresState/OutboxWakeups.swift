import ServiceLifecycle

/// The service that wakes delivery when another replica queued notifications
/// (``PostgresStore/listenForOutbox(retryDelay:wake:)``), for `postwatch run` on a shared
/// store unless `--no-listen`. Ends on a graceful shutdown.
public struct OutboxWakeups: Service, CustomStringConvertible {
    public var description: String { "OutboxWakeups" }

    let store: PostgresStore
    let wake: @Sendable () -> Void

    /// `wake`: typically `Delivery.wake`.
    public init(store: PostgresStore, wake: @escaping @Sendable () -> Void) {
        self.store = store
        self.wake = wake
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.listenForOutbox(wake: wake)
        }
    }
}
