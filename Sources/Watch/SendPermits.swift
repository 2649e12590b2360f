import Foundation

/// Who may send what, and when: the seam between delivery and the rate limits it keeps.
///
/// A single process keeps its limits in memory (Notify's `RateLimiter`). Several replicas
/// delivering from one shared store (PostgreSQL, issue 17) take both answers from the
/// database in one step: whether this replica still holds its claim on the entry, and the
/// destination's next send slot, so three replicas never send 3 messages a second to a hook
/// limited to 1.
///
/// `destination` is an opaque key of the destination: delivery passes a SHA-256 of it, never
/// the URL (which may hold a token), since a store is an output too.
public protocol SendPermits: Sendable {
    /// Takes the next send slot of `destination` for the outbox entry `entry`: how long to wait
    /// before sending (zero: now), or nil when the entry's claim passed to another replica
    /// (do not send, do not mark: the other replica does). `perSecond` nil: no rate limit (a
    /// `Retry-After` pause still counts); `burst`: sends at once after a quiet spell.
    /// Delivery asks before every send, and before each further request of a split send.
    func permit(entry: Int64, destination: String, perSecond: Double?, burst: Int, at now: Date) async throws -> Duration?
    /// Nothing goes to `destination` before `until` (the destination answered `Retry-After`).
    func pause(destination: String, until: Date) async throws
}
