import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Stopping a sandbox server while clients hold connections, idle or half-sent, must neither
/// trap (swift-nio's "Deinited NIOAsyncWriter without calling finish()" when a Hummingbird server
/// is cancelled with accepted connections not yet handled) nor wait for the clients to leave.
@Suite struct ShutdownTests {
    @Test func stoppingWithConnectionsOpenEndsPromptly() async throws {
        for round in 0..<15 {
            let server = try await SandboxServer.start()
            var sockets: [Int32] = []
            for index in 0..<40 {
                let fd = Self.connect(port: server.port)
                guard fd >= 0 else { continue }
                sockets.append(fd)
                // Some send half a request, some a whole one, some nothing at all.
                let request = "GET /v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                let text = index % 3 == 0 ? request + "\r\n" : (index % 3 == 1 ? String(request.prefix(10)) : "")
                if !text.isEmpty { _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
            }
            let started = ContinuousClock.now
            await server.shutdown()
            // Waiting for the clients would never end (they leave after this line): the bound only
            // catches that hang, generously, as a loaded 2-core machine once took 8.6 s.
            #expect(ContinuousClock.now - started < .seconds(30), "round \(round)")
            for fd in sockets { close(fd) }
        }
    }

    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return fd }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            close(fd)
            return -1
        }
        return fd
    }
}
