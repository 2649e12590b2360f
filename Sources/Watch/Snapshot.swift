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
        /// Nil when the post is the one stored and cannot be overdue.
        public var post: Post?
    }

    public internal(set) var entries: [String: Entry] = [:]
    /// Posts received, duplicates included.
    public internal(set) var received = 0

    public var count: Int { entries.count }
}

/// Builds a ``Snapshot`` partition by partition, dropping what the diff will not need as soon
/// as each partition arrives (so that a million-post snapshot is not a million `Post`s).
public struct SnapshotBuilder: Sendable {
    private let stored: [String: StoredPost]
    private let keepAll: Bool
    /// Posts scheduled before this may be overdue: keep them whole.
    private let overdueHorizon: Date?
    public private(set) var snapshot = Snapshot()

    /// - Parameters:
    ///   - keepAll: keep every post whole (the baseline writes them all).
    ///   - overdueHorizon: `now − smallest overdue threshold`, nil without overdue rules.
    public init(stored: [String: StoredPost], keepAll: Bool, overdueHorizon: Date?) {
        self.stored = stored
        self.keepAll = keepAll
        self.overdueHorizon = overdueHorizon
    }

    public mutating func add(_ posts: [Post]) {
        snapshot.received += posts.count
        for post in posts {
            let fingerprint = PostFingerprint.of(post)
            let previous = stored[post.postId]
            let entry = Snapshot.Entry(
                status: post.status, fingerprint: fingerprint,
                post: needsWhole(post, fingerprint: fingerprint, stored: previous) ? post : nil)
            if let existing = snapshot.entries[post.postId] {
                if Self.prefers(entry.status, over: existing.status, stored: previous?.status) {
                    snapshot.entries[post.postId] = entry
                }
            } else {
                snapshot.entries[post.postId] = entry
            }
        }
    }

    private func needsWhole(_ post: Post, fingerprint: Int64, stored: StoredPost?) -> Bool {
        if keepAll { return true }
        guard let stored, stored.fingerprint == fingerprint else { return true }
        if let overdueHorizon, Diff.canBeOverdue(post.status), post.scheduledTime < overdueHorizon {
            return true
        }
        return false
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
