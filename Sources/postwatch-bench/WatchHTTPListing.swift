import Curl
import Foundation
import Infinipost
import Watch

/// `GET /v1/posts` over libcurl for the Watch crash child and bench, page by page: a stand-in for `InfinipostClient` until it lands
/// in main (the cycle only needs `PagedPostListing`). No retries: a failed page fails the chain.
struct WatchHTTPListing: PagedPostListing {
    let baseURL: String
    let apiKey: String
    let transport = CurlTransport(configuration: .init(allowPlainHTTP: true))

    struct PageError: Error, CustomStringConvertible {
        let status: Int
        var description: String { "page answered \(status)" }
    }

    func posts(matching query: PostsQuery) async throws -> [Post] {
        var all: [Post] = []
        try await forEachPage(matching: query) { all += $0 }
        return all
    }

    func forEachPage(matching query: PostsQuery, _ body: ([Post]) throws -> Void) async throws {
        var cursor: String?
        let decoder = JSONDecoder.infinipost()
        repeat {
            var items = ["limit=100"]
            if let status = query.status { items.append("status=\(status.rawValue)") }
            if let platform = query.platform { items.append("platform=\(platform.rawValue)") }
            if let contentType = query.contentType { items.append("contentType=\(contentType.rawValue)") }
            if let accountId = query.accountId { items.append("accountId=\(accountId)") }
            if let cursor { items.append("cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)") }
            let response = try await transport.send(HTTPRequest(
                method: .get, url: "\(baseURL)/v1/posts?" + items.joined(separator: "&"),
                headers: [("Authorization", "Bearer \(apiKey)")]))
            guard response.status == 200 else { throw PageError(status: response.status) }
            let page = try decoder.decode(PostsPage.self, from: response.body)
            try body(page.data)
            cursor = page.hasMore ? page.nextCursor : nil
        } while cursor != nil
    }
}
