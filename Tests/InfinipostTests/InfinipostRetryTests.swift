import Foundation
import Infinipost
import Sandbox
import Testing
import TestSupport

/// Retries, bounds and bad answers, against the sandbox's faults over real HTTP.
@Suite struct InfinipostRetryTests {
    @Test func rateLimitedThenSuccessWaitsRetryAfter() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 2)])
            let clock = ManualClock()
            let posts = try await makeClient(server, clock: clock).posts(matching: PostsQuery())
            #expect(posts.count == 50)
            #expect(clock.sleeps == [.seconds(2)])
            #expect(server.sandbox.requests().map(\.status) == [429, 200])
        }
    }

    @Test func rateLimitedReallyWaits() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 1)])
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                _ = try await makeClient(server, clock: nil).page(matching: PostsQuery(), cursor: nil)
            }
            #expect(elapsed >= .seconds(1))
            // Only bounds a hang: with the suite running in parallel on 2 cores, 5 s was passed.
            #expect(elapsed < .seconds(30))
        }
    }

    @Test func internalErrorThenSuccess() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.internalError, .internalError])
            let clock = ManualClock()
            let policy = RetryPolicy(baseDelay: .milliseconds(200))
            let page = try await makeClient(server, retry: policy, clock: clock).page(matching: PostsQuery(), cursor: nil)
            #expect(page.data.count == 50)
            #expect(clock.sleeps.count == 2)
            // Full jitter: each wait is below its ceiling (200 ms, then 400 ms).
            #expect(clock.sleeps[0] < .milliseconds(200))
            #expect(clock.sleeps[1] < .milliseconds(400))
        }
    }

    @Test func aPageThatNeverSucceedsFailsWithinTheBound() async throws {
        try await SandboxServer.with { server in
            server.sandbox.setPersistentFault(.internalError)
            let clock = ManualClock()
            let policy = RetryPolicy(maxAttempts: 1000, baseDelay: .seconds(1), maxDelay: .seconds(4), maxTotal: .seconds(20))
            let error = await apiError {
                _ = try await makeClient(server, retry: policy, clock: clock).posts(matching: PostsQuery())
            }
            #expect(error?.code == .internal)
            #expect(error?.message.hasPrefix("An unexpected error occurred; gave up after") == true)
            #expect(clock.sleeps.reduce(.zero, +) < .seconds(20))
            #expect((error?.attempts ?? 0) > 3)
            #expect(error?.attempts == server.sandbox.requests().count)
        }
    }

    @Test func theBoundHoldsInRealTime() async throws {
        try await SandboxServer.with { server in
            server.sandbox.setPersistentFault(.badGatewayHTML)
            let policy = RetryPolicy(maxAttempts: 1000, baseDelay: .milliseconds(100), maxDelay: .milliseconds(300), maxTotal: .seconds(1))
            let clock = ContinuousClock()
            var error: APIError?
            let elapsed = await clock.measure {
                error = await apiError { _ = try await makeClient(server, retry: policy, clock: nil).posts(matching: PostsQuery()) }
            }
            // Unbounded, 1000 attempts would take minutes; the slack over the 1 s bound absorbs a
            // loaded 2-core machine running the whole suite in parallel.
            #expect(elapsed < .seconds(30))
            #expect(error?.code == .badResponse)
            #expect(error?.httpStatus == 502)
            #expect(error?.message.hasPrefix("HTTP 502 with a body that is not the API's error JSON (text/html, ") == true)
        }
    }

    @Test func maxAttemptsBoundsRetries() async throws {
        try await SandboxServer.with { server in
            server.sandbox.setPersistentFault(.serviceUnavailableText)
            let error = await apiError {
                _ = try await makeClient(server, retry: RetryPolicy(maxAttempts: 3)).posts(matching: PostsQuery())
            }
            #expect(error?.httpStatus == 503)
            #expect(error?.attempts == 3)
            #expect(server.sandbox.requests().count == 3)
        }
    }

    @Test func aRetryAfterBeyondTheLimitIsNotWaitedFor() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.rateLimited(retryAfterSeconds: 3600)])
            let clock = ManualClock()
            let error = await apiError { _ = try await makeClient(server, clock: clock).posts(matching: PostsQuery()) }
            #expect(error?.code == .rateLimited)
            #expect(error?.retryAfter == .seconds(3600))
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test func malformedJSONIsABadResponse() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.truncatedJSON])
            let error = await apiError { _ = try await makeClient(server).posts(matching: PostsQuery()) }
            #expect(error?.code == .badResponse)
            #expect(error?.httpStatus == 200)
            #expect(error?.message.hasPrefix("response was not valid JSON, cut short or malformed (application/json, ") == true)
        }
    }

    @Test func wrongShapeSaysWhatIsMissing() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.wrongShape])
            let error = await apiError { _ = try await makeClient(server).posts(matching: PostsQuery()) }
            #expect(error?.code == .badResponse)
            #expect(error?.message == "response JSON is not a posts page: 'data' is missing (24 B)")
        }
    }

    @Test func aCutConnectionIsRetriedThenReported() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.cutConnection])
            let clock = ManualClock()
            let posts = try await makeClient(server, clock: clock).posts(matching: PostsQuery())
            #expect(posts.count == 50)
            #expect(clock.sleeps.count == 1)

            server.sandbox.setPersistentFault(.cutConnection)
            let error = await apiError {
                _ = try await makeClient(server, retry: RetryPolicy(maxAttempts: 2)).posts(matching: PostsQuery())
            }
            #expect(error?.code == .connection)
            #expect(error?.attempts == 2)
        }
    }

    @Test func anOversizedBodyIsRefused() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.oversizedBody(bytes: 300_000)])
            let error = await apiError {
                _ = try await makeClient(server, maxPageBytes: 64 << 10).posts(matching: PostsQuery())
            }
            #expect(error?.code == .responseTooLarge)
            #expect(error?.message == "response larger than the 64.0 KB page cap")
            #expect(error?.attempts == 1)
        }
    }

    @Test func aSlowAnswerTimesOutAndIsRetried() async throws {
        try await SandboxServer.with { server in
            // A timeout far below the delay, yet far above a normal answer: with 400 ms, the retry
            // itself timed out now and then when the suite ran in parallel on 2 cores.
            server.sandbox.enqueueFaults([.delay(.seconds(10))])
            let clock = ManualClock()
            let posts = try await makeClient(server, requestTimeout: .seconds(3), clock: clock).posts(matching: PostsQuery())
            #expect(posts.count == 50)
            #expect(clock.sleeps.count == 1)
        }
    }

    @Test func aClosedPortIsAConnectionError() async throws {
        let server = try await SandboxServer.start()
        await server.shutdown()
        let clock = ManualClock()
        let error = await apiError {
            _ = try await makeClient(server, retry: RetryPolicy(maxAttempts: 3), clock: clock).posts(matching: PostsQuery())
        }
        #expect(error?.code == .connection)
        #expect(error?.httpStatus == nil)
        #expect(error?.attempts == 3)
        #expect(clock.sleeps.count == 2)
    }

    @Test func retriesAreLoggedWithDottedKeysAndNoKey() async throws {
        try await SandboxServer.with { server in
            server.sandbox.enqueueFaults([.internalError])
            let logs = CapturedLogs()
            _ = try await makeClient(server, logger: logs.logger()).posts(matching: PostsQuery())
            let retry = try #require(logs.all.first { $0.contains("retrying page") })
            #expect(retry.contains("api.code=internal"))
            #expect(retry.contains("api.status=500"))
            #expect(retry.contains("api.attempt=1"))
            #expect(!logs.all.joined().contains(server.apiKey))
        }
    }
}
