import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import Watch

/// Whether the daemon has completed a cycle yet (`/readyz` answers 503 until it has), and
/// whether something it cannot recover from on its own happened since (503 from then on).
///
/// On a shared store the answer is the replica's role instead: `leader` or `follower`, both
/// ready (a follower delivers and serves the API), and 503 while the store has not answered.
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, broken: String?)>((false, nil))
    private let role: (@Sendable () -> LeaseKeeper.Role)?

    /// - Parameter role: this replica's role on a shared store (the lease keeper's); nil for
    ///   a state file.
    public init(role: (@Sendable () -> LeaseKeeper.Role)? = nil) {
        self.role = role
    }
    public func markReady() { state.withLock { $0.ready = true } }
    /// From now on not ready, with why (the state file was deleted under the daemon).
    public func markBroken(_ reason: String) { state.withLock { $0.broken = reason } }
    public var isReady: Bool {
        let role = self.role?()
        return state.withLock { state in
            guard state.broken == nil else { return false }
            return role.map { $0 != .unknown } ?? state.ready
        }
    }
    /// What `/readyz` says.
    public var explanation: String {
        let role = self.role?()
        return state.withLock { state in
            if let broken = state.broken { return broken }
            if let role { return role == .unknown ? "cannot reach the shared state store yet" : role.rawValue }
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
        /// What errors call the address: the flag that gave it (the API's server has its own).
        public var option: String
        /// What listens there, for "cannot listen for …".
        public var purpose: String
        public init(host: String = "127.0.0.1", port: Int = 9464, option: String = "--metrics-address", purpose: String = "metrics") {
            self.host = host
            self.port = port
            self.option = option
            self.purpose = purpose
        }

        /// Parses `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `:9464` for every interface).
        public init(parsing address: String, option: String = "--metrics-address", purpose: String = "metrics") throws(CommandError) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (0...65535).contains(port)
            else {
                throw CommandError(.configuration, "\(option) '\(address)' is not HOST:PORT (e.g. 127.0.0.1:9464)")
            }
            var host = String(address[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port, option: option, purpose: purpose)
        }

        /// Binds the address once and lets it go, before the daemon starts anything: a port in
        /// use then stops `run` with one clear line and exit 2, instead of a cancelled first
        /// cycle and a bind error that names no address.
        public func checkAvailable() throws(CommandError) {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_PASSIVE
            var found: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
                throw CommandError(.configuration, "\(option) \(host):\(port): cannot resolve '\(host)'")
            }
            defer { freeaddrinfo(found) }
            let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
            guard fd >= 0 else { return }  // let the server report it
            defer { close(fd) }
            // As the server binds: with SO_REUSEADDR, so a port in TIME_WAIT is not "in use".
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                let reason = String(cString: strerror(errno))
                throw CommandError(
                    .configuration,
                    "cannot listen for \(purpose) on \(host):\(port): \(reason) (another process holds it? see \(option))")
            }
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
        let router = Hummingbird.Router()
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
