import Foundation
import Infinipost

/// The complete set of posts in scope, merged from the partitions of one cycle.
///
/// It is kept compact: a post identical to the stored one is a status and a fingerprint; the
/// full `Post` is kept only where the diff may need it (a new or changed post, a post that may
/// be overdue). A post seen in two partitions (it moved while we paged) keeps the later status
/// in lifecycle order.
public struct Snapshot: Sendable {
    public struct Entry: Sendable, Hashable {
        public var status: PostStatus
        public var fingerprint: Int64
    }

    public internal(set) var entries: [String: Entry] = [:]
    /// The posts kept whole: new or changed ones, and those that may be overdue. Kept apart from
    /// `entries` so that an unchanged post costs a status and a fingerprint, not a `Post`.
    public internal(set) var posts: [String: Post] = [:]
    /// Posts received, duplicates included.
    public internal(set) var received = 0
    /// Pages received (one per `add`).
    public internal(set) var pages = 0

    public var count: Int { entries.count }

    /// The post kept whole for `postId`, if any.
    public func post(_ postId: String) -> Post? { posts[postId] }
}

/// Builds a ``Snapshot`` page by page, dropping what the diff will not need as soon as each page
/// arrives (so that a million-post snapshot is not a million `Post`s).
public struct SnapshotBuilder: Sendable {
    private let stored: [String: StoredPost]
    private let keepAll: Bool
    private let overdue: OverdueCheck?
    public private(set) var snapshot = Snapshot()

    /// What decides whether an unchanged post may still need an overdue event.
    public struct OverdueCheck: Sendable {
        public var now: Date
        public var thresholds: [Int]
        public var markers: Set<OverdueMarker>
        public init(now: Date, thresholds: [Int], markers: Set<OverdueMarker>) {
            self.now = now
            self.thresholds = thresholds
            self.markers = markers
        }

        /// True when some threshold has passed for this post and was not emitted yet.
        func pending(_ post: Post) -> Bool {
            guard Diff.canBeOverdue(post.status) else { return false }
            return thresholds.contains { seconds in
                now > post.scheduledTime.addingTimeInterval(TimeInterval(seconds))
                    && !markers.contains(OverdueMarker(postId: post.postId, seconds: seconds))
            }
        }
    }

    /// - Parameters:
    ///   - keepAll: keep every post whole (the baseline writes them all).
    ///   - overdue: nil without overdue rules.
    public init(stored: [String: StoredPost], keepAll: Bool, overdue: OverdueCheck?) {
        self.stored = stored
        self.keepAll = keepAll
        self.overdue = overdue
    }

    /// Adds one page (or any batch) of posts.
    public mutating func add(_ posts: [Post]) {
        snapshot.received += posts.count
        snapshot.pages += 1
        for post in posts {
            let fingerprint = PostFingerprint.of(post)
            let whole = needsWhole(post, fingerprint: fingerprint, stored: stored[post.postId])
            insert(post.postId, Snapshot.Entry(status: post.status, fingerprint: fingerprint), whole ? post : nil)
        }
    }

    /// Adds the posts of another builder's snapshot (a partition listed concurrently).
    public mutating func merge(_ other: Snapshot) {
        snapshot.received += other.received
        snapshot.pages += other.pages
        if snapshot.entries.isEmpty {
            snapshot.entries = other.entries
            snapshot.posts = other.posts
            // The other partitions are coming: grow once, not by doubling.
            snapshot.entries.reserveCapacity(max(stored.count, other.entries.count) + 1024)
            return
        }
        for (postId, entry) in other.entries { insert(postId, entry, other.posts[postId]) }
    }

    private mutating func insert(_ postId: String, _ entry: Snapshot.Entry, _ post: Post?) {
        if let existing = snapshot.entries[postId] {
            guard Self.prefers(entry.status, over: existing.status, stored: stored[postId]?.status) else { return }
        }
        snapshot.entries[postId] = entry
        snapshot.posts[postId] = post
    }

    private func needsWhole(_ post: Post, fingerprint: Int64, stored: StoredPost?) -> Bool {
        if keepAll { return true }
        guard let stored, stored.fingerprint == fingerprint else { return true }
        return overdue?.pending(post) ?? false
    }

    /// Which of two copies of one post the snapshot keeps.
    ///
    /// Known statuses: the later in the lifecycle. `posted` and `failed` rank the same, and an
    /// unknown status has no rank: then the copy that differs from the stored status wins (it is
    /// the move we caught in flight), and a fixed order settles the rest, so the choice never
    /// depends on which partition answered first.
    static func prefers(_ candidate: PostStatus, over current: PostStatus, stored: String?) -> Bool {
        if candidate == current { return false }
        if let a = candidate.lifecycleRank, let b = current.lifecycleRank, a != b { return a > b }
        let candidateMoved = candidate.rawValue != stored
        let currentMoved = current.rawValue != stored
        if candidateMoved != currentMoved { return candidateMoved }
        return candidate.rawValue > current.rawValue
    }
}
