import Curl
import Foundation
import Testing
import TestSupport

/// The fixture itself: others rely on its answer order and on `waitForRequests`.
@Suite struct HTTPReceiverTests {
    let transport = CurlTransport()

    @Test func queuedAnswersComeFirstThenDefaults() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.status(202, "default"))
        receiver.setDefault(.status(201, "path default"), path: "/p")
        receiver.enqueue(.status(500, "once for /p"), path: "/p")
        receiver.enqueue(.status(503, "once for anything"))

        var statuses: [Int] = []
        for path in ["/p", "/q", "/p", "/q"] {
            statuses.append(try await transport.send(HTTPRequest(url: receiver.url(path))).status)
        }
        #expect(statuses == [500, 503, 201, 202])
    }

    @Test func waitForRequestsTimesOut() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        await #expect(throws: FixtureError.self) {
            try await receiver.waitForRequests(count: 1, timeout: .milliseconds(100))
        }
    }

    @Test func chunkedRequestBodiesAreDecoded() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let response = try await transport.send(HTTPRequest(
            method: .post, url: receiver.url("/"), headers: [("Transfer-Encoding", "chunked")], body: Data("chunked body".utf8)))
        #expect(response.status == 200)
        #expect(receiver.requests.first?.text == "chunked body")
    }
}
