import Foundation
import Synchronization
import Testing
import TestSupport

/// The chaos test tells replicas' sends apart by the sender's socket: checked here with two
/// real processes, one sending and one not.
struct SocketOwnerTests {
    @Test func aRequestIsTracedToTheProcessThatSentIt() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let candidates = Mutex<[Int32]>([])
        let found = Mutex<[Int32?]>([])
        let port = receiver.port
        receiver.setHandler { request in
            // The candidates are known once both processes started (curl may be quicker).
            let deadline = ContinuousClock.now + .seconds(10)
            while candidates.withLock({ $0.count }) < 2, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
            let owner = request.peerPort.flatMap {
                SocketOwner.process(localPort: $0, remotePort: port, among: candidates.withLock { $0 })
            }
            found.withLock { $0.append(owner) }
            return .status(200, "ok")
        }
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["30"]
        try bystander.run()
        defer { bystander.terminate() }
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        sender.arguments = ["-s", "-o", "/dev/null", receiver.url("/hook")]
        try sender.run()
        candidates.withLock { $0 = [bystander.processIdentifier, sender.processIdentifier] }
        try await sender.exited()
        #expect(found.withLock { $0 } == [sender.processIdentifier])
    }
}
