import Curl
import Foundation
import Synchronization
import Testing
import TestSupport

/// The transport against a real HTTP server (`HTTPReceiver`) over real sockets.
@Suite struct HTTPTransportTests {
    let transport = CurlTransport()

    @Test func getKeepsStatusHeadersAndBody() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.init(status: 200, headers: [("X-Thing", "one"), ("Content-Type", "text/plain")], body: .data(Data("hello".utf8))))

        let response = try await transport.send(HTTPRequest(url: receiver.url("/a/b?c=d"), headers: [("X-Test", "yes"), ("Accept", "text/plain")]))

        #expect(response.status == 200)
        #expect(response.header("x-thing") == "one")
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        #expect(response.retryAfter == nil)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/a/b")
        #expect(request.query == "c=d")
        #expect(request.header("X-Test") == "yes")
        #expect(request.header("User-Agent") == "postwatch")
    }

    @Test func postSendsBodyWithoutExpectContinue() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.json(#"{"ok":true}"#, status: 201))
        // Large enough that libcurl would otherwise ask for `100-continue`.
        let body = Data((0..<200_000).map { UInt8($0 % 251) })

        let response = try await transport.send(HTTPRequest(
            method: .post, url: receiver.url("/hook"), headers: [("Content-Type", "application/octet-stream")], body: body))

        #expect(response.status == 201)
        #expect(response.body == Data(#"{"ok":true}"#.utf8))
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.body == body)
        #expect(request.header("Expect") == nil)
        #expect(request.header("Content-Type") == "application/octet-stream")
    }

    @Test func putAndDeleteAndEmptyPost() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        _ = try await transport.send(HTTPRequest(method: .put, url: receiver.url("/x"), body: Data("put".utf8)))
        _ = try await transport.send(HTTPRequest(method: .delete, url: receiver.url("/x")))
        _ = try await transport.send(HTTPRequest(method: .post, url: receiver.url("/x")))
        let requests = receiver.requests
        #expect(requests.map(\.method) == ["PUT", "DELETE", "POST"])
        #expect(requests.first?.text == "put")
        #expect(requests.last?.body.isEmpty == true)
    }

    @Test(arguments: [400, 401, 404, 410, 500, 503])
    func errorStatusIsAResponseWithItsBody(status: Int) async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.json(#"{"error":"nope"}"#, status: status))
        let response = try await transport.send(HTTPRequest(url: receiver.url("/")))
        #expect(response.status == status)
        #expect(response.body == Data(#"{"error":"nope"}"#.utf8))
    }

    @Test func retryAfterIsRead() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.enqueue(.tooManyRequests(retryAfter: "7"))
        receiver.enqueue(.tooManyRequests(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"))

        let first = try await transport.send(HTTPRequest(url: receiver.url("/")))
        #expect(first.status == 429)
        #expect(first.retryAfter == .seconds(7))
        #expect(first.body == Data(#"{"ok":false,"error":"rate_limited"}"#.utf8))
        // A date in the past is clamped to "now", never negative.
        let second = try await transport.send(HTTPRequest(url: receiver.url("/")))
        #expect(second.retryAfter == .zero)
    }

    @Test func sizeCapAbortsTheTransfer() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.huge(bytes: 50 << 20))
        let start = ContinuousClock.now
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: receiver.url("/big"), maxResponseBytes: 100_000))
        }
        #expect(error?.code == .responseTooLarge)
        // Bounds are loose on purpose: in the full suite on 2 cores other tests can hold the
        // cooperative threads for seconds; what matters is that nobody waited for the whole body.
        #expect(ContinuousClock.now - start < .seconds(240))

        // Exactly at the cap is fine.
        receiver.setDefault(.huge(bytes: 100_000))
        let response = try await transport.send(HTTPRequest(url: receiver.url("/big"), maxResponseBytes: 100_000))
        #expect(response.body.count == 100_000)
    }

    @Test func cutBodyIsAReceiveError() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.cut(declared: 10_000, sent: 1_000))
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: receiver.url("/")))
        }
        #expect(error?.code == .receiveFailed)
        #expect(error?.isTransient == true)
    }

    @Test func totalTimeoutOnASlowServer() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(300)))
        let start = ContinuousClock.now
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: receiver.url("/"), totalTimeout: .milliseconds(300)))
        }
        #expect(error?.code == .timedOut)
        // Below the server's 300 s: the timeout, not the server, ended it (a bound far above the
        // 300 ms: the full parallel suite on 2 cores once held the cooperative threads for 45 s).
        #expect(ContinuousClock.now - start < .seconds(240))
    }

    @Test func connectTimeoutOnABlackhole() async throws {
        let hole = try TCPBlackhole.start()
        defer { hole.stop() }
        let start = ContinuousClock.now
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: hole.url, connectTimeout: .milliseconds(300), totalTimeout: .seconds(300)))
        }
        #expect(error?.code == .timedOut)
        // Below the 300 s total timeout: the connect timeout ended it.
        #expect(ContinuousClock.now - start < .seconds(240))
    }

    @Test func connectionRefused() async throws {
        let receiver = try HTTPReceiver.start()
        let url = receiver.url("/")
        receiver.stop()
        try await Task.sleep(for: .milliseconds(50))
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: url))
        }
        #expect(error?.code == .couldNotConnect)
    }

    /// A hundred transfers are in flight at once on the one transport thread: the receiver
    /// answers none until all hundred have arrived (a barrier), so a transport that sent one
    /// after the other would see its first request answered 503 once the barrier gave up. No
    /// bound on elapsed time: the 30 s is how long the barrier waits, not a speed target.
    @Test func hundredConcurrentTransfersOnOneThread() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let arrived = Mutex(0)
        receiver.setHandler { request in
            arrived.withLock { $0 += 1 }
            let deadline = ContinuousClock.now + .seconds(30)
            while arrived.withLock({ $0 }) < 100 {
                if ContinuousClock.now > deadline { return .status(503, "only \(arrived.withLock { $0 }) in flight") }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return .status(200, request.path)
        }
        let transport = transport
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<100 {
                group.addTask {
                    let response = try await transport.send(HTTPRequest(url: receiver.url("/n/\(index)")))
                    return (response.status, String(decoding: response.body, as: UTF8.self))
                }
            }
            return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
        }
        #expect(answers.filter { $0.0 != 200 }.map(\.1) == [])
        #expect(Set(answers.map(\.1)) == Set((0..<100).map { "/n/\($0)" }))
        #expect(receiver.requests.count == 100)
    }

    @Test func redirectsAreNotFollowedUnlessAsked() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.redirect(to: "/target", status: 302), path: "/start")
        receiver.setDefault(.status(200, "arrived"), path: "/target")

        let unfollowed = try await transport.send(HTTPRequest(url: receiver.url("/start")))
        #expect(unfollowed.status == 302)
        #expect(receiver.requests.map(\.path) == ["/start"])

        let followed = try await transport.send(HTTPRequest(
            method: .post, url: receiver.url("/start"), headers: [("Authorization", "Bearer x")], body: Data("b".utf8), followRedirects: true))
        #expect(followed.status == 200)
        #expect(String(decoding: followed.body, as: UTF8.self) == "arrived")
        let last = try #require(receiver.requests.last)
        #expect(last.path == "/target")
        #expect(last.method == "GET")
        // Same origin: the credentials may follow.
        #expect(last.header("Authorization") == "Bearer x")
    }

    @Test func followedRedirectsObeyTheSamePolicy() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        for target in ["file:///etc/passwd", "http://example.com/plain", "gopher://127.0.0.1/"] {
            receiver.enqueue(.redirect(to: target))
            let error = await #expect(throws: CurlError.self) {
                try await transport.send(HTTPRequest(url: receiver.url("/"), followRedirects: true))
            }
            #expect(error?.code == .protocolNotAllowed, "\(target)")
        }
        receiver.setDefault(.redirect(to: "/again"))
        let loop = try await transport.send(HTTPRequest(url: receiver.url("/"), followRedirects: true))
        #expect(loop.status == 302)
        #expect(receiver.requests.count == 3 + 11)
    }

    @Test func crossOriginRedirectDropsCredentials() async throws {
        let first = try HTTPReceiver.start()
        let second = try HTTPReceiver.start()
        defer { first.stop(); second.stop() }
        first.setDefault(.redirect(to: second.url("/there"), status: 307))
        let response = try await transport.send(HTTPRequest(
            method: .post, url: first.url("/"), headers: [("Authorization", "Bearer secret")], body: Data("keep".utf8), followRedirects: true))
        #expect(response.status == 200)
        let request = try #require(second.requests.first)
        #expect(request.method == "POST")
        #expect(request.text == "keep")
        #expect(request.header("Authorization") == nil)
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "dict://127.0.0.1/x", "smtp://127.0.0.1/x"])
    func otherProtocolsAreRefused(url: String) async throws {
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: url))
        }
        #expect(error?.code == .protocolNotAllowed)
        #expect(error?.message.contains("passwd") == false)
    }

    @Test func plainHTTPOnlyToLoopbackUnlessAllowed() async throws {
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: "http://example.com/hook"))
        }
        #expect(error?.code == .protocolNotAllowed)
        let mapped = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: "http://[::ffff:10.0.0.1]/hook"))
        }
        #expect(mapped?.code == .protocolNotAllowed)

        // Allowed: the request goes out (whatever the network then does with it).
        let open = CurlTransport(configuration: .init(allowPlainHTTP: true))
        do {
            _ = try await open.send(HTTPRequest(url: "http://postwatch-test.invalid/", connectTimeout: .seconds(2), totalTimeout: .seconds(3)))
        } catch let error as CurlError {
            #expect(error.code != .protocolNotAllowed)
        }

        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        for host in ["127.0.0.1", "localhost"] {
            let response = try await transport.send(HTTPRequest(url: "http://\(host):\(receiver.port)/"))
            #expect(response.status == 200)
        }
    }

    @Test func errorMessagesHideURLSecrets() async throws {
        let hole = try TCPBlackhole.start()
        defer { hole.stop() }
        let url = "http://user:hunter2@127.0.0.1:\(hole.port)/services/T000/B000/XXXXsecretpath?token=querysecret"
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: url, connectTimeout: .milliseconds(200)))
        }
        let text = try #require(error).description
        #expect(text.contains("127.0.0.1:\(hole.port)"))
        for secret in ["hunter2", "user", "XXXXsecretpath", "services", "querysecret", "token"] {
            #expect(!text.contains(secret), "\(secret) leaked into: \(text)")
        }

        let refused = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: "http://example.com/services/XXXXsecretpath?token=querysecret"))
        }
        #expect(refused?.message.contains("secret") == false)
    }

    @Test func headerInjectionIsRefused() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let error = await #expect(throws: CurlError.self) {
            try await transport.send(HTTPRequest(url: receiver.url("/"), headers: [("X-Evil", "a\r\nX-Injected: 1")]))
        }
        #expect(error?.code == .invalidRequest)
        #expect(receiver.requests.isEmpty)
    }

    @Test func cancellationRemovesTheTransfer() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        receiver.setDefault(.slow(.seconds(300)))
        let transport = transport
        let start = ContinuousClock.now
        let task = Task { try await transport.send(HTTPRequest(url: receiver.url("/"), totalTimeout: .seconds(400))) }
        try await receiver.waitForRequests(count: 1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(240))

        // The transport keeps working afterwards.
        receiver.setDefault(.status(200, "ok"))
        let response = try await transport.send(HTTPRequest(url: receiver.url("/")))
        #expect(response.status == 200)
    }

    @Test func alreadyCancelledTaskSendsNothing() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let transport = transport
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(HTTPRequest(url: receiver.url("/")))
        }
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(receiver.requests.isEmpty)
    }
}
