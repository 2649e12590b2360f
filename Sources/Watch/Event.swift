import Foundation
import Infinipost

/// Something that happened to a post between two complete snapshots.
public struct Event: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `from → to`: the status changed, or (`from == "new"`) a post was seen for the first time.
        case transition
        /// The post was absent from two consecutive complete snapshots; `to == "deleted"`.
        case deleted
        /// Still `generated`/`pending_render` longer than `overdueSeconds` after `scheduledTime`.
        case overdue
    }

    public var kind: Kind
    /// The previous status's raw value, or `"new"` for a post not stored before.
    public var from: String
    /// The new status's raw value; `"deleted"` for `.deleted`; the current status for `.overdue`.
    public var to: String
    /// For `.overdue`: the rule's duration in seconds.
    public var overdueSeconds: Int?
    /// The post as the API last gave it.
    public var post: Post
    /// When the cycle that found it started.
    public var detectedAt: Date
    /// The number of the cycle that found it (the store's cycle ids count up and are never
    /// reused). It makes one *occurrence* of a transition distinct from a later repeat of it: a
    /// post that fails, is retried and fails again has two `pending_render → failed` events
    /// with different cycles, hence two notifications with different idempotency keys. Nil for
    /// events made outside a cycle (`rules test`) and in throttle state written before it existed.
    public var cycle: Int64?

    public init(
        kind: Kind, from: String, to: String, overdueSeconds: Int? = nil, post: Post, detectedAt: Date,
        cycle: Int64? = nil
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.overdueSeconds = overdueSeconds
        self.post = post
        self.detectedAt = detectedAt
        self.cycle = cycle
    }

    /// What makes an event one occurrence: kind, post, transition, overdue threshold, cycle.
    /// Idempotency keys hash it (their bytes must never change), and the store keeps a
    /// collected digest event once by it.
    public var identity: String {
        "\(kind.rawValue)\u{1}\(post.postId)\u{1}\(from)\u{1}\(to)\u{1}\(overdueSeconds ?? -1)" + "\u{1}\(cycle ?? -1)"
    }

    /// The status word used for a post never stored before.
    public static let newStatus = "new"
    public static let deletedStatus = "deleted"
}
