import Foundation
import Infinipost
import Synchronization
import TestSupport
@testable import Watch

/// A hand-written `PostListing` over an in-memory set of posts, applying the API's filters.
final class FakeListing: PostListing {
    struct State {
        var posts: [String: Post] = [:]
        /// Queries that throw (a page failing mid-listing).
        var failing: (PostsQuery) -> Bool = { _ in false }
        /// Called when a query is answered, before it returns: may change the posts (a post
        /// moving while other partitions are being listed).
        var onList: ((PostsQuery, inout [String: Post]) -> Void)?
        var queries: [PostsQuery] = []
    }
    let state = Mutex(State())

    struct PageFailed: Error {}

    func posts(matching query: PostsQuery) async throws -> [Post] {
        try state.withLock { state in
            state.queries.append(query)
            if state.failing(query) { throw PageFailed() }
            let result = state.posts.values.filter { post in
                (query.status.map { $0 == post.status } ?? true)
                    && (query.platform.map { $0 == post.platform } ?? true)
                    && (query.contentType.map { $0 == post.contentType } ?? true)
                    && (query.accountId.map { $0 == post.accountId } ?? true)
            }
            state.onList?(query, &state.posts)
            return result
        }
    }

    func put(_ posts: Post...) { state.withLock { for post in posts { $0.posts[post.postId] = post } } }
    func remove(_ postId: String) { _ = state.withLock { $0.posts.removeValue(forKey: postId) } }
    func setStatus(_ postId: String, _ status: PostStatus) {
        state.withLock { $0.posts[postId]?.status = status }
    }
}

enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func post(
        _ id: String, _ status: PostStatus = .generated, account: String = "acc_1",
        platform: Platform = .tiktok, contentType: ContentType = .video,
        scheduled: Date = t0.addingTimeInterval(3600)
    ) -> Post {
        Post(
            postId: id, accountId: account, platform: platform, contentType: contentType,
            contentUrl: contentType == .slides ? .multiple(["https://x/1.jpg", "https://x/2.jpg"]) : .single("https://x/v.mp4"),
            caption: "caption of \(id)", timezone: "Europe/Paris", scheduledTime: scheduled,
            status: status, postedAt: status == .posted ? scheduled : nil,
            createdAt: t0.addingTimeInterval(-86400))
    }

    static func tempPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("state.sqlite").path
    }

    static func poller(
        _ listing: any PostListing, store: SQLiteStore, thresholds: [Int] = [],
        configuration: PollerConfiguration = PollerConfiguration()
    ) -> Poller {
        Poller(
            listing: listing, store: store,
            router: PerEventRouter(overdueThresholds: thresholds), configuration: configuration)
    }
}

extension Event {
    /// `from>to` for transitions, `overdue:N` and `deleted` otherwise, with the post id.
    var summary: String {
        switch kind {
        case .transition: "\(post.postId) \(from)>\(to)"
        case .overdue: "\(post.postId) overdue:\(overdueSeconds ?? -1)"
        case .deleted: "\(post.postId) \(from)>deleted"
        }
    }
}

extension CycleReport {
    var summaries: [String] { events.map(\.summary) }
}
