import Infinipost

/// The client hands each page to the cycle as it arrives, so a chain never holds its posts whole.
extension InfinipostClient: PagedPostListing {
    public func forEachPage(matching query: PostsQuery, _ body: ([Post]) async throws -> Void) async throws {
        for try await page in pages(matching: query) {
            try await body(page.data)
        }
    }
}
