import Foundation
import Watch

extension OutboxAdmin {
    /// The admin of the outbox in the state file at `statePath` (`--state`); a missing file is
    /// an error (listing must not create an empty state next to the user's).
    public static func open(statePath: String) async throws(CommandError) -> OutboxAdmin {
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw CommandError(.configuration, "no state file at '\(statePath)' (see --state, POSTWATCH_STATE)")
        }
        do {
            return OutboxAdmin(outbox: try SQLiteStore(path: statePath))
        } catch {
            throw CommandError(.configuration, error.description)
        }
    }
}
