/// The filters of `GET /v1/posts`; the page size and cursor are the client's business.
public struct PostsQuery: Sendable, Hashable {
    public var status: PostStatus?
    public var platform: Platform?
    public var contentType: ContentType?
    public var accountId: String?

    public init(
        status: PostStatus? = nil,
        platform: Platform? = nil,
        contentType: ContentType? = nil,
        accountId: String? = nil
    ) {
        self.status = status
        self.platform = platform
        self.contentType = contentType
        self.accountId = accountId
    }

    /// The first filter `post` does not match, as `status=generated` (what it was listed
    /// under), or nil when it matches them all. A post the API lists under a filter its own
    /// body contradicts is the API contradicting itself.
    public func contradiction(in post: Post) -> String? {
        if let status, post.status != status { return "status=\(status.rawValue)" }
        if let platform, post.platform != platform { return "platform=\(platform.rawValue)" }
        if let contentType, post.contentType != contentType { return "contentType=\(contentType.rawValue)" }
        if let accountId, post.accountId != accountId { return "accountId=\(accountId)" }
        return nil
    }
}

/// Something that lists every post matching a query, following the cursor chain to the end.
///
/// The seam between the cycle and the API: `InfinipostClient` over HTTP, a fake in tests.
public protocol PostListing: Sendable {
    /// All posts matching `query`; throws when any page fails (the listing is then incomplete).
    func posts(matching query: PostsQuery) async throws -> [Post]
}
