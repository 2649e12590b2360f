import Foundation
import Infinipost
import Sandbox
import Testing
import TestSupport

/// The client against the sandbox over real HTTP through libcurl.
@Suite struct InfinipostClientTests {
    /// Issue 12: an API whose 401 quotes the key it was sent (in the message and even the code)
    /// gives an `APIError` without it, before it is logged, stored or counted.
    @Test func aKeyTheAPIEchoesIsRedactedFromTheError() async throws {
        let api = try HTTPReceiver.start()
        defer { api.stop() }
        api.setHandler { request in
            let key = (request.header("Authorization") ?? "").replacingOccurrences(of: "Bearer ", with: "")
            return .json(#"{"error":{"code":"bad_key_\#(key)","message":"Invalid API key '\#(key)'"}}"#, status: 401)
        }
        let key = "live-key-\(UUID().uuidString)"
        let client = InfinipostClient(
            configuration: InfinipostConfiguration(baseURL: api.baseURL, apiKey: key, retry: .none), transport: sharedTransport)
        let error = try #require(await apiError { _ = try await client.posts(matching: PostsQuery()) })
        #expect(error.httpStatus == 401)
        #expect(error.message == "Invalid API key '[redacted]'")
        #expect(error.code.rawValue == "bad_key_[redacted]")
        #expect(!error.description.contains(key))
    }

    @Test func listsTenThousandPostsWithNothingMissingOrRepeated() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 10_000)) { server in
            let posts = try await makeClient(server).posts(matching: PostsQuery())
            #expect(posts.count == 10_000)
            #expect(Set(posts.map(\.postId)).count == 10_000)
            #expect(Set(posts) == Set(server.sandbox.posts()), "every field as the sandbox holds it")
            let requests = server.sandbox.requests()
            #expect(requests.count == 100)
            #expect(requests.allSatisfy { $0.parameters["limit"] == "100" }, "always limit=100, never above")
        }
    }

    @Test func eachFilterGoesToTheAPI() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 600)) { server in
            let client = makeClient(server)
            let all = server.sandbox.posts()
            let account = try #require(server.sandbox.accountIds.last)
            let queries: [(PostsQuery, (Post) -> Bool)] = [
                (PostsQuery(status: .failed), { $0.status == .failed }),
                (PostsQuery(status: .generated), { $0.status == .generated }),
                (PostsQuery(status: .posted), { $0.status == .posted }),
                (PostsQuery(status: .pendingRender), { $0.status == .pendingRender }),
                (PostsQuery(platform: .instagram), { $0.platform == .instagram }),
                (PostsQuery(contentType: .slides), { $0.contentType == .slides }),
                (PostsQuery(accountId: account), { $0.accountId == account }),
                (
                    PostsQuery(status: .posted, platform: .tiktok, contentType: .video, accountId: account),
                    { $0.status == .posted && $0.platform == .tiktok && $0.contentType == .video && $0.accountId == account }
                ),
            ]
            for (query, matches) in queries {
                let listed = try await client.posts(matching: query)
                #expect(Set(listed.map(\.postId)) == Set(all.filter(matches).map(\.postId)), "\(query)")
            }
            let last = try #require(server.sandbox.requests().last)
            #expect(last.parameters == ["status": "posted", "platform": "tiktok", "contentType": "video", "accountId": account, "limit": "100"])
        }
    }

    @Test func unknownValuesAreKeptRaw() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 3)) { server in
            var post = try #require(server.sandbox.posts().first)
            post.postId = "post_zzz_new_kind"
            post.status = PostStatus(rawValue: "archived")
            post.platform = Platform(rawValue: "youtube")
            post.contentType = ContentType(rawValue: "carousel")
            server.sandbox.add(post)
            let listed = try await makeClient(server).posts(matching: PostsQuery())
            let odd = try #require(listed.first { $0.postId == "post_zzz_new_kind" })
            #expect(odd.status.rawValue == "archived" && !odd.status.isDocumented)
            #expect(odd.platform.rawValue == "youtube")
            #expect(odd.contentType.rawValue == "carousel")
            #expect(listed.count == 4)
        }
    }

    @Test func wrongKeyIsUnauthenticatedAndNotRetried() async throws {
        try await SandboxServer.with { server in
            let clock = ManualClock()
            let logs = CapturedLogs()
            let secret = "wrong-key-9f8e7d"
            let error = await apiError {
                _ = try await makeClient(server, apiKey: secret, clock: clock, logger: logs.logger()).posts(matching: PostsQuery())
            }
            #expect(error?.code == .unauthenticated)
            #expect(error?.message == "Invalid or missing API key")
            #expect(error?.httpStatus == 401)
            #expect(error?.attempts == 1)
            #expect(clock.sleeps.isEmpty)
            #expect(server.sandbox.requests().count == 1)
            #expect(!"\(String(describing: error))".contains(secret))
            #expect(!logs.all.joined().contains(secret))
        }
    }

    @Test func invalidParametersSurfaceTheAPIsMessage() async throws {
        try await SandboxServer.with { server in
            let client = makeClient(server)
            let status = await apiError { _ = try await client.posts(matching: PostsQuery(status: PostStatus(rawValue: "done"))) }
            #expect(status?.code == .invalidParameter)
            #expect(status?.message == "status must be one of: generated, pending_render, posted, failed")
            #expect(status?.httpStatus == 400)
            #expect(status?.attempts == 1)
            let platform = await apiError { _ = try await client.posts(matching: PostsQuery(platform: Platform(rawValue: "vine"))) }
            #expect(platform?.message == "platform must be one of: tiktok, instagram")
            let cursor = await apiError { _ = try await client.page(matching: PostsQuery(), cursor: "garbage") }
            #expect(cursor?.code == .invalidParameter)
            #expect(cursor?.message == "Invalid cursor")
            #expect("\(cursor.map(String.init(describing:)) ?? "")" == "invalid_parameter (HTTP 400): Invalid cursor")
        }
    }

    @Test func cursorThatRepeatsEndsTheListing() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 250)) { server in
            server.sandbox.setPersistentFault(.repeatCursor)
            let error = await apiError { _ = try await makeClient(server).posts(matching: PostsQuery()) }
            #expect(error?.code == .cursorLoop)
            #expect(server.sandbox.requests().count == 2)
        }
    }

    @Test func aListingNeverRequestsMoreThan100() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 250)) { server in
            let client = makeClient(server)
            _ = try await client.posts(matching: PostsQuery(platform: .tiktok))
            _ = try await client.page(matching: PostsQuery(), cursor: nil)
            let limits = server.sandbox.requests().compactMap { $0.parameters["limit"].flatMap { Int($0) } }
            #expect(limits.count == server.sandbox.requests().count)
            #expect(limits.allSatisfy { $0 <= 100 })
        }
    }
}
