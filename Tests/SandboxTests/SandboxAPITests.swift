import Foundation
import Infinipost
import Testing

@testable import Sandbox

/// `GET /v1/posts` as API.md documents it, checked on the sandbox's answers directly.
@Suite struct SandboxAPITests {
    let sandbox = Sandbox(
        configuration: SandboxConfiguration(
            initialPosts: 230, apiKey: "k3y", tick: nil, seed: 7, start: Date(timeIntervalSince1970: 1_790_000_000)))

    func get(_ query: [(String, String)] = [], key: String? = "k3y", path: String = "/v1/posts") -> SandboxResponse {
        sandbox.respond(
            to: Sandbox.Request(
                path: path, query: query.map { (name: $0.0, value: $0.1) }, authorization: key.map { "Bearer " + $0 }))
    }

    func json(_ response: SandboxResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func expectError(_ response: SandboxResponse, status: Int, code: String, message: String) throws {
        #expect(response.status == status)
        #expect(response.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body == #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#)
    }

    @Test func missingOrWrongKeyIs401() throws {
        let expected = (401, "unauthenticated", "Invalid or missing API key")
        try expectError(get(key: nil), status: expected.0, code: expected.1, message: expected.2)
        try expectError(get(key: "wrong"), status: expected.0, code: expected.1, message: expected.2)
        try expectError(get(key: "k3"), status: expected.0, code: expected.1, message: expected.2)
        try expectError(get(key: "k3yy"), status: expected.0, code: expected.1, message: expected.2)
        let basic = sandbox.respond(to: .init(path: "/v1/posts", authorization: "Basic k3y"))
        try expectError(basic, status: expected.0, code: expected.1, message: expected.2)
        // The scheme is case-insensitive (RFC 7235).
        #expect(sandbox.respond(to: .init(path: "/v1/posts", authorization: "bearer k3y")).status == 200)
    }

    @Test func eachFilterIsValidatedWithItsMessage() throws {
        let cases: [(String, String, String)] = [
            ("status", "done", "status must be one of: generated, pending_render, posted, failed"),
            ("status", "", "status must be one of: generated, pending_render, posted, failed"),
            ("status", "POSTED", "status must be one of: generated, pending_render, posted, failed"),
            ("platform", "youtube", "platform must be one of: tiktok, instagram"),
            ("contentType", "image", "contentType must be one of: video, slides"),
            ("accountId", "", "accountId must not be empty"),
            ("limit", "0", "limit must be an integer between 1 and 100"),
            ("limit", "101", "limit must be an integer between 1 and 100"),
            ("limit", "-5", "limit must be an integer between 1 and 100"),
            ("limit", "ten", "limit must be an integer between 1 and 100"),
            ("limit", "1.5", "limit must be an integer between 1 and 100"),
            ("limit", "", "limit must be an integer between 1 and 100"),
            ("cursor", "not a cursor!", "Invalid cursor"),
            ("cursor", "", "Invalid cursor"),
            ("cursor", "Zm9v", "Invalid cursor"),  // base64 of "foo": not a postId
            ("cursor", "////", "Invalid cursor"),
        ]
        for (name, value, message) in cases {
            try expectError(get([(name, value)]), status: 400, code: "invalid_parameter", message: message)
        }
    }

    @Test func limitDefaultsTo50AndGoesUpTo100() throws {
        let first = try json(get())
        #expect((first["data"] as? [Any])?.count == 50)
        #expect(first["hasMore"] as? Bool == true)
        let max = try json(get([("limit", "100")]))
        #expect((max["data"] as? [Any])?.count == 100)
        let one = try json(get([("limit", "1")]))
        #expect((one["data"] as? [Any])?.count == 1)
    }

    @Test func lastPageHasNullCursor() throws {
        var cursor: String?
        var seen: [String] = []
        var pages = 0
        repeat {
            var query = [("limit", "100")]
            if let cursor { query.append(("cursor", cursor)) }
            let response = get(query)
            #expect(response.status == 200)
            let page = try json(response)
            let data = try #require(page["data"] as? [[String: Any]])
            seen += data.compactMap { $0["postId"] as? String }
            let hasMore = try #require(page["hasMore"] as? Bool)
            #expect(page.keys.contains("nextCursor"))
            if hasMore {
                cursor = try #require(page["nextCursor"] as? String)
            } else {
                #expect(page["nextCursor"] is NSNull)
                cursor = nil
            }
            pages += 1
        } while cursor != nil
        #expect(pages == 3)
        #expect(seen.count == 230)
        #expect(Set(seen).count == 230)
        // The exact bytes of the end of the last page.
        #expect(String(decoding: get([("limit", "100"), ("cursor", PageCursor.encode(lastPostId: seen[199]))]).body, as: UTF8.self)
            .hasSuffix(#"}],"hasMore":false,"nextCursor":null}"#))
    }

    @Test func cursorIsUnpaddedBase64OfTheLastPostId() throws {
        #expect(PageCursor.encode(lastPostId: "post_abc123") == "cG9zdF9hYmMxMjM")
        #expect(PageCursor.decode("cG9zdF9hYmMxMjM") == "post_abc123")
        let page = try json(get([("limit", "3")]))
        let data = try #require(page["data"] as? [[String: Any]])
        let last = try #require(data.last?["postId"] as? String)
        #expect(page["nextCursor"] as? String == PageCursor.encode(lastPostId: last))
    }

    @Test func postJSONIsExactlyTheDocumentedShape() throws {
        let video = Post(
            postId: "post_abc123", accountId: "acc_1a2b3c4d5e", platform: .tiktok, contentType: .video,
            contentUrl: .single("https://storage.googleapis.com/x/video.mp4"),
            thumbnailUrl: "https://storage.googleapis.com/x/thumb.jpg",
            caption: "Check out \"this\" <!channel> \\ 🔥\nnext\u{1}", soundId: "snd_xyz789", timezone: "America/New_York",
            scheduledTime: Date(timeIntervalSince1970: 1_713_801_600), status: .generated, postedAt: nil,
            createdAt: Date(timeIntervalSince1970: 1_713_730_500))
        let slides = Post(
            postId: "post_def456", accountId: "acc_1a2b3c4d5e", platform: .instagram, contentType: .slides,
            contentUrl: .multiple(["https://s/slide1.jpg", "https://s/slide2.jpg"]), thumbnailUrl: nil,
            caption: "Step by step tutorial 🔥", soundId: nil, timezone: "America/Los_Angeles",
            scheduledTime: Date(timeIntervalSince1970: 1_713_812_400), status: .posted,
            postedAt: Date(timeIntervalSince1970: 1_713_812_412), createdAt: Date(timeIntervalSince1970: 1_713_730_500))
        #expect(
            String(decoding: PostJSON.encode(video), as: UTF8.self)
                == #"{"postId":"post_abc123","accountId":"acc_1a2b3c4d5e","platform":"tiktok","contentType":"video","contentUrl":"https://storage.googleapis.com/x/video.mp4","thumbnailUrl":"https://storage.googleapis.com/x/thumb.jpg","caption":"Check out \"this\" <!channel> \\ 🔥\nnext\u0001","soundId":"snd_xyz789","timezone":"America/New_York","scheduledTime":"2024-04-22T16:00:00Z","status":"generated","postedAt":null,"createdAt":"2024-04-21T20:15:00Z"}"#)
        #expect(
            String(decoding: PostJSON.encode(slides), as: UTF8.self)
                == #"{"postId":"post_def456","accountId":"acc_1a2b3c4d5e","platform":"instagram","contentType":"slides","contentUrl":["https://s/slide1.jpg","https://s/slide2.jpg"],"thumbnailUrl":null,"caption":"Step by step tutorial 🔥","soundId":null,"timezone":"America/Los_Angeles","scheduledTime":"2024-04-22T19:00:00Z","status":"posted","postedAt":"2024-04-22T19:00:12Z","createdAt":"2024-04-21T20:15:00Z"}"#)
        // And it reads back as the same post through the shared models.
        for post in [video, slides] {
            #expect(try JSONDecoder.infinipost().decode(Post.self, from: Data(PostJSON.encode(post))) == post)
        }
    }

    @Test func everyServedPageDecodesWithTheSharedModels() throws {
        let response = get([("limit", "100")])
        let page = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(response.body))
        #expect(page.data.count == 100)
        for post in page.data {
            #expect(sandbox.post(post.postId) == post)
            switch post.contentType {
            case .video: if case .single = post.contentUrl {} else { Issue.record("video with several URLs") }
            default: if case .multiple = post.contentUrl {} else { Issue.record("slides with one URL") }
            }
            #expect((post.status == .posted) == (post.postedAt != nil))
        }
    }

    @Test(arguments: [
        ("status", "failed"), ("status", "posted"), ("status", "generated"), ("status", "pending_render"),
        ("platform", "tiktok"), ("platform", "instagram"), ("contentType", "video"), ("contentType", "slides"),
    ])
    func filtersSelectExactlyTheMatchingPosts(name: String, value: String) throws {
        let expected = sandbox.posts().filter { post in
            switch name {
            case "status": post.status.rawValue == value
            case "platform": post.platform.rawValue == value
            default: post.contentType.rawValue == value
            }
        }
        #expect(!expected.isEmpty)
        #expect(try listAll([(name, value)]) == expected.map(\.postId))
    }

    @Test func accountAndCombinedFilters() throws {
        let account = try #require(sandbox.accountIds.first)
        let expected = sandbox.posts().filter { $0.accountId == account && $0.contentType == .slides }
        #expect(!expected.isEmpty)
        #expect(try listAll([("accountId", account), ("contentType", "slides")]) == expected.map(\.postId))
        #expect(try listAll([("accountId", "acc_nobody")]).isEmpty)
        let empty = try json(get([("accountId", "acc_nobody")]))
        #expect((empty["data"] as? [Any])?.isEmpty == true)
        #expect(empty["hasMore"] as? Bool == false)
        #expect(empty["nextCursor"] is NSNull)
    }

    @Test func listingSurvivesChangesWithoutSkippingOrRepeating() throws {
        let all = sandbox.posts().map(\.postId)
        var cursor: String?
        var seen: [String] = []
        var round = 0
        repeat {
            var query = [("limit", "17")]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(get(query).body))
            seen += page.data.map(\.postId)
            // Between pages: delete a post already listed and one not yet listed, add one,
            // and move another on (in `all`, so it must still be listed exactly once).
            round += 1
            if round < 10 {
                sandbox.delete(all[round * 17 - 5])
                sandbox.delete(all[all.count - round])
                sandbox.addGenerated(count: 1)
                sandbox.setStatus(all[round * 17 + 3], to: .failed)
            }
            cursor = page.nextCursor
        } while cursor != nil
        let deletedLater = Set((1..<10).map { all[all.count - $0] })
        let stayed = all.filter { !deletedLater.contains($0) }
        #expect(Set(seen).count == seen.count, "no post repeated")
        #expect(Set(stayed).isSubset(of: Set(seen)), "no post that stayed was skipped")
    }

    @Test func aCursorOfADeletedPostStillWorks() throws {
        let page = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(get([("limit", "10")]).body))
        let last = try #require(page.data.last)
        sandbox.delete(last.postId)
        let next = try JSONDecoder.infinipost().decode(
            PostsPage.self, from: Data(get([("limit", "10"), ("cursor", try #require(page.nextCursor))]).body))
        #expect(next.data.first?.postId ?? "" > last.postId)
    }

    @Test func unknownPathsAndMethods() throws {
        try expectError(get(path: "/v1/post"), status: 404, code: "not_found", message: "No such endpoint: GET /v1/post")
        let post = sandbox.respond(to: .init(method: "POST", path: "/v1/posts", authorization: "Bearer k3y"))
        #expect(post.status == 405)
        #expect(get(path: "/v1/posts/").status == 200)
    }

    @Test func unknownQueryParametersAreIgnoredAndTheFirstValueWins() throws {
        #expect(get([("foo", "bar")]).status == 200)
        let response = get([("limit", "2"), ("limit", "500")])
        #expect(try (json(response)["data"] as? [Any])?.count == 2)
    }

    @Test func requestsAreRecorded() {
        sandbox.clearRequests()
        _ = get([("limit", "7")])
        _ = get(key: nil)
        let requests = sandbox.requests()
        #expect(requests.map(\.status) == [200, 401])
        #expect(requests.first?.parameters["limit"] == "7")
    }

    func listAll(_ query: [(String, String)]) throws -> [String] {
        var cursor: String?
        var ids: [String] = []
        repeat {
            var items = query + [("limit", "100")]
            if let cursor { items.append(("cursor", cursor)) }
            let response = get(items)
            try #require(response.status == 200)
            let page = try JSONDecoder.infinipost().decode(PostsPage.self, from: Data(response.body))
            ids += page.data.map(\.postId)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }
}

/// `postwatch sandbox --rate-limit`: requests per second from `5/s`, `5`, `300/m`, `3600/h`.
@Suite struct SandboxRateLimitOptionTests {
    @Test(arguments: [("5/s", 5.0), ("5", 5.0), ("300/m", 5.0), ("3600/h", 1.0), ("0.5", 0.5)])
    func aRateIsRead(text: String, perSecond: Double) {
        #expect(SandboxFaults.requestsPerSecond(parsing: text) == perSecond)
    }

    @Test(arguments: ["", "0", "-1/s", "5/d", "five", "inf", "nan/s", "5/s/s"])
    func anythingElseIsRefused(text: String) {
        #expect(SandboxFaults.requestsPerSecond(parsing: text) == nil)
    }
}
