import Infinipost

/// The filters of one `GET /v1/posts` request, validated.
struct PostFilter: Sendable, Hashable {
    var status: PostStatus?
    var platform: Platform?
    var contentType: ContentType?
    var accountId: String?

    func matches(_ post: Post) -> Bool {
        if let status, post.status != status { return false }
        if let platform, post.platform != platform { return false }
        if let contentType, post.contentType != contentType { return false }
        if let accountId, post.accountId != accountId { return false }
        return true
    }
}
