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
///   posts with `scheduledTime ≥ now − since` emit events (their `new → status`, and overdue
///   if due); without `since` none do. Overdue thresholds already passed by the other posts are
///   marked as emitted, so a first run does not report yesterday's stuck posts either.
public enum Diff {
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

        for (postId, entry) in snapshot.entries {
            let previous = state.posts[postId]
            var emits = true
            if result.isBaseline {
                emits = false
                if let windowStart, let post = snapshot.post(postId), post.scheduledTime >= windowStart { emits = true }
            }
            if let previous {
                if previous.fingerprint != entry.fingerprint, let post = snapshot.post(postId) {
                    result.upserts.append(PostWrite(post: post, fingerprint: entry.fingerprint))
                    if previous.status != entry.status.rawValue, emits {
                        result.events.append(
                            Event(kind: .transition, from: previous.status, to: entry.status.rawValue,
                                  post: post, detectedAt: now))
                    }
                }
                if previous.misses != 0 { result.misses[postId] = 0 }
            } else if let post = snapshot.post(postId) {
                result.upserts.append(PostWrite(post: post, fingerprint: entry.fingerprint))
                if emits {
                    result.events.append(
                        Event(kind: .transition, from: Event.newStatus, to: entry.status.rawValue,
                              post: post, detectedAt: now))
                }
            }
            if canBeOverdue(entry.status), let post = snapshot.post(postId) {
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
        for (postId, previous) in state.posts where snapshot.entries[postId] == nil {
            let misses = previous.misses + 1
            if misses >= 2 {
                result.deletions.append(postId)
            } else {
                result.misses[postId] = misses
            }
        }
        result.deletions.sort()
        result.events.sort(by: Self.order)
        return result
    }

    /// The `deleted` events of `ids`, each carrying the post as last stored.
    public static func deletedEvents(
        _ ids: [String], stored: [String: StoredPost], posts: [String: Post], at now: Date
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
