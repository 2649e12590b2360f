/// The pages of one listing, following `nextCursor` until `hasMore` is false.
///
/// Ends with an `APIError` instead of looping when the API repeats a cursor, or says there is
/// more without giving a cursor.
public struct PostPages: AsyncSequence, Sendable {
    public typealias Element = PostsPage
    let client: InfinipostClient
    let query: PostsQuery

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, query: query)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: InfinipostClient
        let query: PostsQuery
        private var cursor: String?
        private var finished = false
        private var seenCursors: Set<String> = []
        /// Pages fetched so far.
        public private(set) var pageCount = 0

        init(client: InfinipostClient, query: PostsQuery) {
            self.client = client
            self.query = query
        }

        public mutating func next() async throws -> PostsPage? {
            guard !finished else { return nil }
            let page: PostsPage
            do {
                page = try await client.page(matching: query, cursor: cursor)
            } catch {
                finished = true
                throw error
            }
            pageCount += 1
            client.logger.trace(
                "page", metadata: ["api.page": "\(pageCount)", "api.posts": "\(page.data.count)", "api.has_more": "\(page.hasMore)"])
            guard page.hasMore else {
                finished = true
                return page
            }
            guard let next = page.nextCursor, !next.isEmpty else {
                finished = true
                throw APIError(code: .badResponse, message: "page \(pageCount) says hasMore but gives no nextCursor", httpStatus: 200)
            }
            guard seenCursors.insert(next).inserted else {
                finished = true
                throw APIError(
                    code: .cursorLoop, message: "page \(pageCount) handed back a cursor already followed; stopping instead of looping",
                    httpStatus: 200)
            }
            cursor = next
            return page
        }
    }
}
