import Foundation
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (a free port) for tests: it records every request in
/// order and answers as the test programs it, including what real servers do badly (429 with
/// `Retry-After`, 500s, slow answers, huge bodies, bodies cut mid-way, redirects).
///
/// Written on plain POSIX sockets, a thread per connection, so that it can misbehave at the byte
/// level (a `Content-Length` larger than what is sent) where a framework would not let it.
///
/// ```swift
/// let receiver = try HTTPReceiver.start()
/// defer { receiver.stop() }
/// receiver.enqueue(.tooManyRequests(retryAfter: "2"))      // the first request gets a 429
/// receiver.setDefault(.json(#"{"ok":true}"#), path: "/hook") // then every /hook request a 200
/// … send to receiver.url("/hook") …
/// let requests = try await receiver.waitForRequests(count: 2)
/// ```
///
/// Answer order for a request: the oldest `enqueue`d answer for its path, else the oldest
/// `enqueue`d answer for any path, else the `handler`, else the `setDefault` for its path, else
/// the overall default (200, empty body).
public final class HTTPReceiver: Sendable {
    struct State {
        var requests: [Request] = []
        var queued: [(path: String?, response: Response)] = []
        var defaults: [String: Response] = [:]
        var fallback = Response.status(200)
        var handler: (@Sendable (Request) -> Response)?
        var connections: Set<Int32> = []
        var stopped = false
        var listenerOpen = true
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    let listener: Int32
    let state = Mutex(State())

    /// `http://127.0.0.1:PORT`
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT/path`
    public func url(_ path: String = "/") -> String {
        baseURL + (path.hasPrefix("/") ? path : "/" + path)
    }

    private init(listener: Int32, port: Int) {
        self.listener = listener
        self.port = port
    }

    /// Binds 127.0.0.1 on a free port and starts accepting; call `stop()` when done.
    public static func start() throws -> HTTPReceiver {
        let (listener, port) = try Socket.listenLoopback(backlog: 512)
        let receiver = HTTPReceiver(listener: listener, port: port)
        let thread = Thread { receiver.acceptLoop() }
        thread.name = "HTTPReceiver.accept"
        thread.start()
        return receiver
    }

    /// Closes the listener and every open connection; requests already recorded stay readable.
    public func stop() {
        // shutdown() wakes threads blocked in accept()/recv(); each closes its own descriptor.
        // It is done under the lock that also guards every close(), so a descriptor number that
        // was closed and reused elsewhere in the process (another test's socket) is never touched.
        state.withLock { state in
            if state.stopped { return }
            state.stopped = true
            if state.listenerOpen { shutdown(listener, Int32(SHUT_RDWR)) }
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    // MARK: Programming answers

    /// Answers one future request (for `path`, or any path when nil) with `response`; queued
    /// answers are used once each, oldest first.
    public func enqueue(_ response: Response, path: String? = nil) {
        state.withLock { $0.queued.append((path, response)) }
    }

    /// Answers every request for `path` (or every request, when nil) with `response`, once the
    /// queue has nothing for it.
    public func setDefault(_ response: Response, path: String? = nil) {
        state.withLock { state in
            if let path { state.defaults[path] = response } else { state.fallback = response }
        }
    }

    /// Decides every answer (after queued ones) from the request itself.
    public func setHandler(_ handler: @escaping @Sendable (Request) -> Response) {
        state.withLock { $0.handler = handler }
    }

    // MARK: Reading what arrived

    /// Every request received so far, in arrival order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Forgets the requests recorded so far (answers programmed stay).
    public func clearRequests() {
        state.withLock { $0.requests.removeAll() }
    }

    /// Waits until at least `count` requests arrived and returns them all; throws on timeout,
    /// which only bounds a hang (generous: the suite runs in parallel on 2 cores).
    @discardableResult
    public func waitForRequests(count: Int, timeout: Duration = .seconds(45)) async throws -> [Request] {
        try await waitForCount(count, of: "requests", in: "HTTPReceiver", timeout: timeout, every: .milliseconds(5)) {
            requests
        }
    }

    /// Records `request` and picks its answer (see the type's documentation for the order).
    func record(_ request: Request) -> Response {
        let path = request.path
        let (queued, handler, standing) = state.withLock { state -> (Response?, (@Sendable (Request) -> Response)?, Response) in
            state.requests.append(request)
            let index = state.queued.firstIndex { $0.path == path } ?? state.queued.firstIndex { $0.path == nil }
            let queued = index.map { state.queued.remove(at: $0).response }
            return (queued, state.handler, state.defaults[path] ?? state.fallback)
        }
        // The handler runs outside the lock, so it may use the receiver itself.
        return queued ?? handler?(request) ?? standing
    }

    var isStopped: Bool { state.withLock { $0.stopped } }
}

/// A test fixture that could not do its job (port, process, timeout), with what went wrong.
public struct FixtureError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
