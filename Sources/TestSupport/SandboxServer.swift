import Foundation
import Logging
import Sandbox
import Synchronization

/// A sandbox API on `127.0.0.1` and a free port, in-process, for tests and benchmarks.
///
/// ```swift
/// let server = try await SandboxServer.start(SandboxConfiguration(initialPosts: 1000, tick: nil))
/// defer { Task { await server.shutdown() } }   // or use `SandboxServer.with { … }`
/// client = InfinipostClient(configuration: .init(baseURL: server.baseURL, apiKey: server.apiKey))
/// server.sandbox.setStatus(postId, to: .failed)   // exact state, no waiting for ticks
/// ```
public final class SandboxServer: Sendable {
    /// The control handle: posts, faults, transitions, requests received.
    public let sandbox: Sandbox
    /// `http://127.0.0.1:PORT` (no trailing slash).
    public let baseURL: String
    public let port: Int
    public var apiKey: String { sandbox.configuration.apiKey }
    private let task: Task<Void, any Error>

    private init(sandbox: Sandbox, port: Int, task: Task<Void, any Error>) {
        self.sandbox = sandbox
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.task = task
    }

    /// The configuration tests usually want: a few posts, no automatic ticks, a random key.
    public static func testConfiguration(posts: Int = 50, seed: UInt64 = 42) -> SandboxConfiguration {
        SandboxConfiguration(
            initialPosts: posts, apiKey: "test-key-\(UInt32.random(in: .min ... .max))", tick: nil, seed: seed,
            start: Date(timeIntervalSince1970: 1_790_000_000))
    }

    /// Starts a server and returns once it accepts connections.
    public static func start(
        _ configuration: SandboxConfiguration = testConfiguration(),
        logger: Logger = Logger(label: "postwatch.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> SandboxServer {
        let sandbox = Sandbox(configuration: configuration)
        let server = SandboxHTTPServer(sandbox: sandbox, host: "127.0.0.1", port: 0, logger: logger)
        let started = Started()
        let task = Task {
            do {
                try await server.run { port in started.resume(.success(port)) }
                started.resume(.failure(SandboxServerError(message: "the sandbox server stopped before listening")))
            } catch {
                started.resume(.failure(error))
                throw error
            }
        }
        let port = try await started.wait()
        return SandboxServer(sandbox: sandbox, port: port, task: task)
    }

    /// Runs `body` with a started server, and shuts it down afterwards, whatever happens.
    public static func with<T: Sendable>(
        _ configuration: SandboxConfiguration = testConfiguration(),
        _ body: (SandboxServer) async throws -> T
    ) async throws -> T {
        let server = try await start(configuration)
        do {
            let value = try await body(server)
            await server.shutdown()
            return value
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// Stops the server and waits until it has let go of its port.
    public func shutdown() async {
        task.cancel()
        _ = await task.result
    }
}

/// The server could not start.
public struct SandboxServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Resumes one waiter once, with the first result given (the port or a start-up error).
private final class Started: Sendable {
    private let state = Mutex<(result: Result<Int, any Error>?, waiter: CheckedContinuation<Int, any Error>?)>((nil, nil))

    func resume(_ result: Result<Int, any Error>) {
        let waiter: CheckedContinuation<Int, any Error>? = state.withLock { state in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = state.withLock { state in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
