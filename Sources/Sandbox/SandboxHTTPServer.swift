import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// Puts a `Sandbox` on the network with Hummingbird, and moves its lifecycle on every `tick`.
///
/// ```swift
/// let server = SandboxHTTPServer(sandbox: sandbox, host: "127.0.0.1", port: 8080)
/// try await server.run { port in print("listening on \(port)") }
/// ```
public struct SandboxHTTPServer: Sendable {
    public let sandbox: Sandbox
    public var host: String
    /// 0 picks a free port; `run` reports the one it got.
    public var port: Int
    public var logger: Logger

    public init(sandbox: Sandbox, host: String = "127.0.0.1", port: Int = 8080, logger: Logger = Logger(label: "postwatch.sandbox")) {
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port once requests are accepted.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let requestedPort = port
        let application = Application(
            responder: SandboxResponder(sandbox: sandbox),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? requestedPort) },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [logger] in try await Self.serve(application, logger: logger) }
            if let tick = sandbox.configuration.tick, tick > .zero {
                group.addTask { [sandbox, logger] in
                    while !Task.isCancelled {
                        try await Task.sleep(for: tick)
                        let changes = sandbox.tick()
                        logger.debug("tick", metadata: ["sandbox.transitions": "\(changes.count)"])
                    }
                }
            }
            // Either child ending (the server stopping, or an error) stops the other.
            try await group.next()
            group.cancelAll()
        }
    }
}

extension SandboxHTTPServer {
    /// Runs `application` until the task is cancelled, then shuts it down gracefully (or by
    /// cancellation after 5 s).
    ///
    /// Cancelling a Hummingbird server outright traps in swift-nio ("Deinited NIOAsyncWriter
    /// without calling finish()") when a connection was accepted but not yet handled
    /// (swift-server/swift-http-server#137); tests stop sandboxes right after a client went
    /// away, so that race was hit. The service group runs in its own task, which the caller's
    /// cancellation does not reach: it gets a graceful shutdown instead.
    static func serve<Responder: HTTPResponder>(_ application: Application<Responder>, logger: Logger) async throws {
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let running = Task { try await services.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task {
                await services.triggerGracefulShutdown()
                try? await Task.sleep(for: .seconds(5))
                running.cancel()
            }
        }
    }
}

/// Hands each request to `Sandbox.respond(to:)` and writes its answer, cut transfers included.
struct SandboxResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let sandbox: Sandbox

    /// Thrown mid-body to make the server drop the connection.
    struct ConnectionCut: Error {}

    func respond(to request: Request, context: Context) async throws -> Response {
        let answer = sandbox.respond(
            to: Sandbox.Request(
                method: request.method.rawValue, path: request.uri.path, query: Self.query(request.uri.query),
                authorization: request.headers[.authorization]))
        if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        if let cut = answer.cutAfter {
            let prefix = ByteBuffer(bytes: answer.body.prefix(cut))
            let body = ResponseBody(contentLength: answer.body.count) { writer in
                try await writer.write(prefix)
                throw ConnectionCut()
            }
            return Response(status: status, headers: headers, body: body)
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// `a=1&b=x%20y` → [("a", "1"), ("b", "x y")], in order.
    static func query(_ query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let raw = parts.count > 1 ? String(parts[1]) : ""
            return (name, raw.removingPercentEncoding ?? raw)
        }
    }
}
