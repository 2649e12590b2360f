import Foundation
import Synchronization

/// A 127.0.0.1 port where TCP connects hang: a listener whose accept queue is full and never
/// drained, so the kernel drops further SYNs. For connect-timeout tests without a network.
///
/// ```swift
/// let hole = try TCPBlackhole.start()
/// defer { hole.stop() }
/// // http://127.0.0.1:\(hole.port)/ now times out in connect
/// ```
public final class TCPBlackhole: Sendable {
    public let port: Int
    private let descriptors: Mutex<[Int32]>

    private init(port: Int, descriptors: [Int32]) {
        self.port = port
        self.descriptors = Mutex(descriptors)
    }

    public static func start() throws -> TCPBlackhole {
        // backlog 0 admits one connection; a few more pending connects make sure the queue is full.
        let (listener, port) = try Socket.listenLoopback(backlog: 0)
        var descriptors = [listener]
        for _ in 0..<3 { descriptors.append(Socket.connectNonBlocking(port: port)) }
        Thread.sleep(forTimeInterval: 0.05)
        return TCPBlackhole(port: port, descriptors: descriptors)
    }

    public var url: String { "http://127.0.0.1:\(port)/" }

    /// Closes the listener and the connections filling it; safe to call twice.
    public func stop() {
        let open = descriptors.withLock { descriptors in
            defer { descriptors = [] }
            return descriptors
        }
        for fd in open where fd >= 0 { close(fd) }
    }

    deinit { stop() }
}
