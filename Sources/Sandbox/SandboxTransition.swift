import Foundation
import Infinipost

/// One change the sandbox made to its posts, in the order it made them.
///
/// The sandbox's own record of truth: a test of the watcher compares the events it computed with
/// these. `from` is nil when the post was created, `to` is nil when it was deleted.
public struct SandboxTransition: Sendable, Hashable, CustomStringConvertible {
    /// Increases by one for every transition, starting at 1.
    public let sequence: Int
    public let postId: String
    public let from: PostStatus?
    public let to: PostStatus?
    public let at: Date

    public init(sequence: Int, postId: String, from: PostStatus?, to: PostStatus?, at: Date) {
        self.sequence = sequence
        self.postId = postId
        self.from = from
        self.to = to
        self.at = at
    }

    public var description: String {
        "#\(sequence) \(postId): \(from?.rawValue ?? "new") -> \(to?.rawValue ?? "deleted")"
    }
}
