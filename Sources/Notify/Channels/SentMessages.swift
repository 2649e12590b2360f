import Synchronization

/// How many messages of each split notification a chat channel has had taken, so that a retry
/// resumes after them. Shared by the copies of a channel (a class: a struct copy must not
/// forget).
final class SentMessages: Sendable {
    /// Entries are removed when a notification is complete; a notification that never
    /// completes (dead after its last retry) stays until the table is full, then all are
    /// dropped: at worst a retry repeats messages, as after a restart.
    static let capacity = 1_000
    private let counts = Mutex<[String: Int]>([:])

    func sent(_ key: String) -> Int { counts.withLock { $0[key] ?? 0 } }

    func record(_ key: String, sent: Int, of total: Int) {
        counts.withLock { counts in
            if sent >= total {
                counts[key] = nil
            } else {
                if counts.count >= Self.capacity { counts.removeAll() }
                counts[key] = sent
            }
        }
    }
}
