import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Whether the daemon has completed a cycle yet (`/readyz` answers 503 until it has), and
/// whether something it cannot recover from on its own happened since (503 from then on).
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, broken: String?)>((false, nil))
    public init() {}
    public func markReady() { state.withLock { $0.ready = true } }
    /// From now on not ready, with why (the state file was deleted under the daemon).
    public func markBroken(_ reason: String) { state.withLock { $0.broken = reason } }
    public var isReady: Bool { state.withLock { $0.ready && $0.broken == nil } }
    /// What `/readyz` says.
    public var explanation: String {
        state.withLock { state in
            if let broken = state.broken { return broken }
            return state.ready ? "ready" : "no complete cycle yet"
        }
    }
}

/// `/metrics` (Prometheus text format), `/healthz` and `/readyz`, on Hummingbird.
public struct MetricsServer: Service, CustomStringConvertible {
    /// What ServiceLifecycle logs for this service.
    public var description: String { "MetricsServer" }
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public init(host: String = "127.0.0.1", port: Int = 9464) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `:9464` for every interface).
        public init(parsing address: String) throws(CommandError) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (0...65535).contains(port)
            else {
                throw CommandError(.configuration, "--metrics-address '\(address)' is not HOST:PORT (e.g. 127.0.0.1:9464)")
            }
            var host = String(address[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
        }
    }

    private let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameter beforeScrape: refreshes the gauges that are read from the state rather than
    ///   counted as things happen (the outbox depth), so a scrape sees the state as it is now
    ///   and not as the last cycle left it.
    public init(
        configuration: Configuration, registry: PrometheusCollectorRegistry, readiness: Readiness,
        logger: Logger, beforeScrape: (@Sendable () async -> Void)? = nil,
        onRunning: (@Sendable (Int) async -> Void)? = nil
    ) {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            await beforeScrape?()
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            return Response(
                status: readiness.isReady ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: readiness.explanation + "\n")))
        }
        application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "postwatch"),
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    public func run() async throws {
        try await application.run()
    }
}
