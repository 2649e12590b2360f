import Foundation
import Infinipost

/// The complete set of posts in scope, merged from the partitions of one cycle.
///
/// It is kept compact: a post identical to its stored copy is one bit, set at its index in the
/// ``StoredPosts`` the cycle started from; only the posts the diff needs are kept whole (new or
/// changed ones, and those that may be overdue). A post seen in two partitions (it moved while
/// we paged) keeps the later status in lifecycle order.
public struct Snapshot: Sendable {
    public struct Entry: Sendable, Hashable {
        public var status: PostStatus
        public var fingerprint: Int64
    }

    /// A post kept whole, with the index of its stored copy (nil for a new post).
    public struct Kept: Sendable {
        public var entry: Entry
        public var post: Post
        public var storedIndex: Int?
    }

    /// Stored posts seen identical to their stored copy, by index (disjoint from `kept` once the
    /// builder hands the snapshot over).
    var unchanged: Bitset
    /// The posts kept whole, by id.
    public internal(set) var kept: [String: Kept] = [:]
    /// Posts received, duplicates included.
    public internal(set) var received = 0
    /// Pages received (one per `add`).
    public internal(set) var pages = 0
    /// Posts not trusted on this sighting, by id, with why: the API listed them under a filter
    /// their body contradicts, or as both `posted` and `failed` in one cycle (see
    /// ``SnapshotBuilder/contradiction(_:_:)``). Their stored copy stands (no event, not deleted) until a cycle
    /// lists them consistently; a new one waits to be seen consistently before it is stored.
    public internal(set) var held: [String: String] = [:]
    /// Posts dropped because their `postId` is empty: nothing could key them.
    public internal(set) var rejected = 0

    init(storedCount: Int) {
        unchanged = Bitset(capacity: storedCount)
    }

    /// Distinct posts in the snapshot.
    public var count: Int { unchanged.count + kept.count }

    /// True when the stored post at `index` is in the snapshot (unchanged or kept whole).
    func contains(storedIndex index: Int, keptIndices: Bitset) -> Bool {
        unchanged.contains(index) || keptIndices.contains(index)
    }

    /// The stored indices of the posts kept whole.
    func keptStoredIndices() -> Bitset {
        var indices = Bitset(capacity: unchanged.capacity)
        for kept in kept.values {
            if let index = kept.storedIndex { indices.insert(index) }
        }
        return indices
    }

    /// The post kept whole for `postId`, if any.
    public func post(_ postId: String) -> Post? { kept[postId]?.post }
}

/// Builds a ``Snapshot`` page by page, dropping what the diff will not need as soon as each page
/// arrives (so that a million-post snapshot is a million bits, not a million `Post`s).
public struct SnapshotBuilder: Sendable {
    private let stored: StoredPosts
    private let staging: Bool
    /// A first cycle's builder (posts are staged, not kept).
    var isStaging: Bool { staging }
    private let overdue: OverdueCheck?
    private var building: Snapshot
    /// First cycle: posts to stage in the store (see ``takeStaged()``).
    public private(set) var staged: [PostWrite] = []

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
    ///   - staging: a first cycle (no complete cycle stored yet). Every post is staged for the
    ///     store to settle and write; none is kept (see ``keepStaged(_:)``).
    ///   - overdue: nil without overdue rules.
    public init(stored: StoredPosts, staging: Bool = false, overdue: OverdueCheck?) {
        self.stored = stored
        self.staging = staging
        self.overdue = overdue
        building = Snapshot(storedCount: stored.count)
    }

    /// The snapshot so far. A stored post seen both unchanged and changed (in two partitions)
    /// is settled here, once, rather than on every page.
    public var snapshot: Snapshot {
        var snapshot = building
        for (postId, kept) in building.kept {
            guard let index = kept.storedIndex, snapshot.unchanged.contains(index) else { continue }
            let storedStatus = stored.status(at: index)
            let differs = kept.entry.fingerprint != stored.fingerprint(at: index) || kept.entry.status.rawValue != storedStatus
            if let why = Self.contradiction(PostStatus(rawValue: storedStatus), kept.entry.status) {
                snapshot.held[postId] = why
            } else if differs,
                Self.prefers(PostStatus(rawValue: storedStatus), over: kept.entry.status, stored: storedStatus)
            {
                snapshot.kept[postId] = nil
            } else {
                snapshot.unchanged.remove(index)
            }
        }
        // After settling: a held post stays as stored, whatever another listing said of it (a later cycle
        // that lists it consistently applies its change).
        for postId in snapshot.held.keys {
            snapshot.kept[postId] = nil
            if let index = stored.index(of: postId) { snapshot.unchanged.insert(index) }
        }
        return snapshot
    }

    /// Adds one page (or any batch) of posts.
    ///
    /// - Parameter query: what the page was listed under. Outside a first cycle, a post whose
    ///   body contradicts it is held (see ``Snapshot/held``). A first cycle stores without
    ///   notifying, so there is nothing to hold back: it records the body as given.
    public mutating func add(_ posts: [Post], listedUnder query: PostsQuery? = nil) {
        building.received += posts.count
        building.pages += 1
        for post in posts {
            guard !post.postId.isEmpty else {
                building.rejected += 1
                continue
            }
            if !staging, let query, let filter = query.contradiction(in: post) {
                building.held[post.postId] = "listed under \(filter) but its body says status=\(post.status.rawValue), "
                    + "platform=\(post.platform.rawValue), contentType=\(post.contentType.rawValue), accountId=\(post.accountId)"
                continue
            }
            let fingerprint = PostFingerprint.of(post)
            let index = stored.index(of: post.postId)
            if staging {
                staged.append(PostWrite(post: post, fingerprint: fingerprint))
                if let index { building.unchanged.insert(index) }  // seen (the commit rewrites it)
            } else if let index, stored.fingerprint(at: index) == fingerprint,
                stored.status(at: index) == post.status.rawValue,  // a collision never hides a transition
                !(overdue?.pending(post) ?? false)
            {
                building.unchanged.insert(index)
            } else {
                keep(post.postId, Snapshot.Kept(
                    entry: Snapshot.Entry(status: post.status, fingerprint: fingerprint), post: post, storedIndex: index))
            }
        }
    }

    /// The posts staged since the last call, handed over to be written to the store's staging.
    public mutating func takeStaged() -> [PostWrite] {
        defer { staged = [] }
        return staged
    }

    /// Keeps whole the staged posts the first cycle may report (those in the `--since` window),
    /// as the store settled them: a post listed twice is the copy the store will write, so the
    /// window is tested on that copy and an event never shows a status that was not stored.
    public mutating func keepStaged(_ writes: [PostWrite]) {
        for write in writes {
            let post = write.post
            building.kept[post.postId] = Snapshot.Kept(
                entry: Snapshot.Entry(status: post.status, fingerprint: write.fingerprint), post: post,
                storedIndex: stored.index(of: post.postId))
        }
    }

    /// Adds the posts of another builder's snapshot (a partition listed concurrently).
    public mutating func merge(_ other: Snapshot) {
        building.received += other.received
        building.pages += other.pages
        building.unchanged.formUnion(other.unchanged)
        building.held.merge(other.held) { first, _ in first }
        building.rejected += other.rejected
        if building.kept.isEmpty {
            building.kept = other.kept
            return
        }
        for (postId, kept) in other.kept { keep(postId, kept) }
    }

    private mutating func keep(_ postId: String, _ kept: Snapshot.Kept) {
        if let existing = building.kept[postId] {
            if let why = Self.contradiction(existing.entry.status, kept.entry.status) {
                building.held[postId] = why
                return
            }
            let storedStatus = kept.storedIndex.map { stored.status(at: $0) }
            guard Self.prefers(kept.entry.status, over: existing.entry.status, stored: storedStatus) else { return }
        }
        building.kept[postId] = kept
    }

    /// Why two sightings of one post in one cycle cannot both be true, or nil when one can be
    /// the other moved on while we paged (a later status in the lifecycle, or an unknown one).
    /// `posted` and `failed` rank the same: seen both ways at once, neither is trusted yet.
    static func contradiction(_ a: PostStatus, _ b: PostStatus) -> String? {
        guard a != b, let rankA = a.lifecycleRank, rankA == b.lifecycleRank else { return nil }
        let (first, second) = a.rawValue < b.rawValue ? (a, b) : (b, a)
        return "listed twice in one cycle, as status=\(first.rawValue) and as status=\(second.rawValue)"
    }

    /// Which of two copies of one post the snapshot keeps.
    ///
    /// Known statuses: the later in the lifecycle. `posted` and `failed` rank the same, and an
    /// unknown status has no rank: then the copy that differs from the stored status wins (it is
    /// the move we caught in flight), and a fixed order settles the rest, so the choice never
    /// depends on which partition answered first.
    package static func prefers(_ candidate: PostStatus, over current: PostStatus, stored: String?) -> Bool {
        if candidate == current { return false }
        if let a = candidate.lifecycleRank, let b = current.lifecycleRank, a != b { return a > b }
        let candidateMoved = candidate.rawValue != stored
        let currentMoved = current.rawValue != stored
        if candidateMoved != currentMoved { return candidateMoved }
        return candidate.rawValue > current.rawValue
    }
}
