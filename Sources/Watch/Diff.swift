import Foundation
import Infinipost

/// What a complete snapshot changes in the store, and the events it causes.
public struct DiffResult: Sendable {
    public var upserts: [PostWrite] = []
    public var misses: [String: Int] = [:]
    /// Stored posts absent from two consecutive complete snapshots; their `deleted` events are
    /// made by ``Diff/deletedEvents(_:stored:posts:at:)`` once their stored posts are read.
    public var deletions: [String] = []
    public var newMarkers: [OverdueMarker] = []
    /// Transitions and overdue events, ordered by post id.
    public var events: [Event] = []
    public var isBaseline = false
}

/// The diff of DESIGN.md's "Snapshots and transitions": pure, no I/O.
///
/// - `prev → status` when a stored post's status changed;
/// - `new → status` for a post not stored before (nothing → `failed` is a failure all the same);
/// - `deleted` for a stored post absent from two consecutive complete snapshots;
/// - `overdue` once per post and threshold while `generated`/`pending_render` and
///   `now > scheduledTime + threshold`;
/// - **baseline**: when the store has never completed a cycle, everything is recorded and only
///   posts with ``windowTime(of:)`` ≥ now − since emit events (their `new → status`, and overdue
///   if due); without `since` none do. Overdue thresholds already passed by the other posts are
///   marked as emitted, so a first run does not report yesterday's stuck posts either.
public enum Diff {
    /// The time a first cycle's `--since` window judges a post by: when it was posted, for a
    /// posted post; else its scheduled time, which is inside any window while it is still ahead
    /// (a post that failed before its slot is reported: ops want to know before the slot).
    /// `SQLiteStore.stagedPosts(scheduledFrom:)` applies the same rule in SQL.
    public static func windowTime(of post: Post) -> Date {
        post.status == .posted ? (post.postedAt ?? post.scheduledTime) : post.scheduledTime
    }

    public static func canBeOverdue(_ status: PostStatus) -> Bool {
        status == .generated || status == .pendingRender
    }

    public static func compute(
        state: StoredState, snapshot: Snapshot, now: Date, overdueThresholds: [Int],
        since: TimeInterval?
    ) -> DiffResult {
        var result = DiffResult()
        result.isBaseline = !state.hasBaseline
        let windowStart = since.map { now.addingTimeInterval(-$0) }
        let thresholds = Array(Set(overdueThresholds.filter { $0 >= 0 })).sorted()

        for (postId, kept) in snapshot.kept {
            let entry = kept.entry
            let post = kept.post
            var emits = true
            if result.isBaseline {
                emits = windowStart.map { windowTime(of: post) >= $0 } ?? false
            }
            if let index = kept.storedIndex {
                let previousStatus = state.posts.status(at: index)
                if state.posts.fingerprint(at: index) != entry.fingerprint || previousStatus != entry.status.rawValue {
                    result.upserts.append(PostWrite(post: post, fingerprint: entry.fingerprint))
                    if previousStatus != entry.status.rawValue, emits {
                        result.events.append(
                            Event(kind: .transition, from: previousStatus, to: entry.status.rawValue,
                                  post: post, detectedAt: now))
                    }
                }
            } else {
                result.upserts.append(PostWrite(post: post, fingerprint: entry.fingerprint))
                if emits {
                    result.events.append(
                        Event(kind: .transition, from: Event.newStatus, to: entry.status.rawValue,
                              post: post, detectedAt: now))
                }
            }
            if canBeOverdue(entry.status) {
                for seconds in thresholds where now > post.scheduledTime.addingTimeInterval(TimeInterval(seconds)) {
                    let marker = OverdueMarker(postId: postId, seconds: seconds)
                    if state.overdueMarkers.contains(marker) { continue }
                    result.newMarkers.append(marker)
                    if emits {
                        result.events.append(
                            Event(kind: .overdue, from: entry.status.rawValue, to: entry.status.rawValue,
                                  overdueSeconds: seconds, post: post, detectedAt: now))
                    }
                }
            }
        }
        // Every stored post, by index: seen (its miss count goes back to 0) or missed again.
        let keptIndices = snapshot.keptStoredIndices()
        for index in 0..<state.posts.count {
            let misses = state.posts.misses(at: index)
            if snapshot.contains(storedIndex: index, keptIndices: keptIndices) {
                if misses != 0 { result.misses[state.posts.postId(at: index)] = 0 }
            } else if misses + 1 >= 2 {
                result.deletions.append(state.posts.postId(at: index))
            } else {
                result.misses[state.posts.postId(at: index)] = misses + 1
            }
        }
        result.deletions.sort()
        result.events.sort(by: Self.order)
        return result
    }

    /// The `deleted` events of `ids`, each carrying the post as last stored.
    public static func deletedEvents(
        _ ids: [String], stored: StoredPosts, posts: [String: Post], at now: Date
    ) -> [Event] {
        ids.compactMap { postId in
            guard let post = posts[postId] else { return nil }
            let from = stored[postId]?.status ?? post.status.rawValue
            return Event(kind: .deleted, from: from, to: Event.deletedStatus, post: post, detectedAt: now)
        }
    }

    /// A stable order: by post, transitions before overdue, smaller thresholds first.
    static func order(_ a: Event, _ b: Event) -> Bool {
        if a.post.postId != b.post.postId { return a.post.postId < b.post.postId }
        if a.kind != b.kind { return rank(a.kind) < rank(b.kind) }
        return (a.overdueSeconds ?? 0) < (b.overdueSeconds ?? 0)
    }

    private static func rank(_ kind: Event.Kind) -> Int {
        switch kind {
        case .transition: 0
        case .overdue: 1
        case .deleted: 2
        }
    }
}
