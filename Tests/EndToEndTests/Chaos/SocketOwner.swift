import Foundation

/// Which process sent a request: the receiver knows the sender's port, Linux knows which
/// process holds the socket bound to it (`/proc/net/tcp` gives the socket's inode, a process's
/// `/proc/PID/fd` links name it). Every replica delivers, so the chaos test needs this to tell
/// the leader's sends from the followers', and a stalled replica's from the others'.
enum SocketOwner {
    /// The process among `candidates` holding the TCP socket `127.0.0.1:port` → `remotePort`;
    /// nil when none does (the connection closed, or another process's). Only reliable while
    /// the connection is open: the receiver asks from its handler, before it answers.
    static func process(localPort port: Int, remotePort: Int, among candidates: [Int32]) -> Int32? {
        guard let inode = inode(localPort: port, remotePort: remotePort) else { return nil }
        let link = "socket:[\(inode)]"
        for pid in candidates {
            let folder = "/proc/\(pid)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + fd)) == link { return pid }
            }
        }
        return nil
    }

    /// The inode of the IPv4 socket bound to `port` and connected to `remotePort`.
    static func inode(localPort port: Int, remotePort: Int) -> String? {
        // Read to the end: the kernel hands /proc/net/tcp out a page per read, and a reader that
        // trusts the file's size (0) or one read gets the first sockets only.
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return nil }
        let table = String(decoding: data, as: UTF8.self)
        for line in table.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count > 9, Self.port(columns[1]) == port, Self.port(columns[2]) == remotePort else { continue }
            return String(columns[9])
        }
        return nil
    }

    /// The port of `0100007F:1F90`.
    private static func port(_ address: Substring) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}
