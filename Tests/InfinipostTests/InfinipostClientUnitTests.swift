import Curl
import Foundation
@testable import Infinipost
import Testing

/// The parts of the client that need no network.
@Suite struct InfinipostClientUnitTests {
    let client = InfinipostClient(
        configuration: InfinipostConfiguration(baseURL: "https://api.example.com/", apiKey: "secret"),
        transport: CurlTransport())

    @Test func urlsCarryEveryFilterEncoded() throws {
        let page = try client.url(for: PostsQuery(), cursor: nil)
        #expect(page == "https://api.example.com/v1/posts?limit=100")
        let full = try client.url(
            for: PostsQuery(status: .pendingRender, platform: .tiktok, contentType: .slides, accountId: "acc 1&x=y"),
            cursor: "ab+/=")
        #expect(
            full
                == "https://api.example.com/v1/posts?status=pending_render&platform=tiktok&contentType=slides&accountId=acc%201%26x%3Dy&limit=100&cursor=ab%2B%2F%3D")
    }

    @Test func aBaseURLWithoutSchemeIsAConfigurationError() {
        let bad = InfinipostClient(configuration: .init(baseURL: "api.example.com", apiKey: "k"), transport: CurlTransport())
        #expect(throws: APIError.self) { try bad.url(for: PostsQuery(), cursor: nil) }
    }

    @Test func errorsAreReadFromTheEnvelope() {
        let response = HTTPResponse(
            status: 401, headers: [("Content-Type", "application/json")],
            body: Data(#"{"error":{"code":"unauthenticated","message":"Invalid or missing API key"}}"#.utf8))
        #expect(throws: APIError(code: .unauthenticated, message: "Invalid or missing API key", httpStatus: 401)) {
            try InfinipostClient.page(from: response)
        }
    }

    @Test func badBodiesAreDescribed() {
        func message(_ status: Int, _ type: String?, _ body: String) -> String? {
            var headers: [(name: String, value: String)] = []
            if let type { headers.append(("Content-Type", type)) }
            do {
                _ = try InfinipostClient.page(from: HTTPResponse(status: status, headers: headers, body: Data(body.utf8)))
                return nil
            } catch {
                return error.message
            }
        }
        let html = "<html>" + String(repeating: "x", count: 1300) + "</html>"
        #expect(message(200, "text/html; charset=utf-8", html) == "response was not JSON (text/html, 1.3 KB)")
        #expect(message(200, nil, "") == "response body was empty")
        #expect(message(200, "application/json", #"{"data":[{"postId":1}],"hasMore":false}"#)?.hasPrefix(
            "response JSON is not a posts page: 'data[0].postId' has the wrong type") == true)
        #expect(message(200, "application/json", #"{"data": ["#)?.hasPrefix("response was not valid JSON") == true)
        #expect(message(502, "text/html", "<html>bad</html>") == "HTTP 502 with a body that is not the API's error JSON (text/html, 16 B)")
        #expect(message(504, nil, "") == "HTTP 504 with an empty body")
    }

    @Test func backoffCeilingDoublesUpToTheMaximum() {
        let policy = RetryPolicy(baseDelay: .milliseconds(500), maxDelay: .seconds(3))
        #expect((1...5).map(policy.backoff.ceiling) == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
    }

    @Test func descriptionsNeverHoldTheKey() {
        let error = APIError(code: .internal, message: "An unexpected error occurred", httpStatus: 500, attempts: 3)
        #expect(error.description == "internal (HTTP 500): An unexpected error occurred [after 3 attempts]")
        #expect(error.isRetryable)
        #expect(!APIError(code: .invalidParameter, message: "x", httpStatus: 400).isRetryable)
    }
}
