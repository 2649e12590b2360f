import Foundation
import Watch

extension OutboxAdmin {
    /// The admin of the outbox in the state at `statePath` (`--state`).
    public static func open(statePath: String) async throws(CommandError) -> OutboxAdmin {
        // Wired to the SQLite store when it lands in Watch.
        throw CommandError(.configuration, "the state store is not available in this build")
    }
}
