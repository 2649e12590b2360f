import Foundation
import Logging
import PostgresNIO
import Watch

/// `LISTEN/NOTIFY`: a commit that queued notifications says so on the channel
/// `postwatch_outbox`, and every replica listening wakes its delivery at once instead of at
/// its next poll. A hint only: a notification sent while nobody listens is lost, and the poll
/// stays. Behind pgbouncer in transaction mode a `LISTEN` cannot work; the replica says so once
/// (when it fails) and polls.
extension PostgresStore {
    /// The channel: fixed, so replicas of any version hear each other.
    public static let outboxChannel = "postwatch_outbox"

    /// Tells the listening replicas that the outbox has new work; in the transaction that queued
    /// it (PostgreSQL sends the notification at its commit, and never for a rollback).
    static func notifyOutbox(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("NOTIFY \(unescaped: outboxChannel)", logger: logger)
    }

    /// Listens on one connection of the pool, held for as long as this runs, and calls `wake`
    /// for every notification (and once each time listening starts, for what was queued while
    /// it was not). Runs until cancelled; when listening fails (the database is down, or a
    /// pooler in transaction mode) it says so once at notice level, tries again every
    /// `retryDelay`, and says when it listens again: delivery polls meanwhile.
    public func listenForOutbox(retryDelay: Duration = .seconds(30), wake: @escaping @Sendable () -> Void) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await withConnection { connection in
                    try await connection.listen(on: Self.outboxChannel) { notifications in
                        if failing {
                            logger.notice("listening for queued notifications again")
                            failing = false
                        }
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                if !failing {
                    logger.notice(
                        "cannot LISTEN for queued notifications (behind a pooler in transaction mode?); delivery polls instead",
                        metadata: ["error": "\(error)"])
                    failing = true
                }
            }
            // The sequence ended (the connection closed) or failed: try again after a while.
            do { try await Task.sleep(for: retryDelay) } catch { return }
        }
    }
}
