import Foundation
import Watch

extension OutboxAdmin {
    /// The admin of the outbox in the state file at `statePath` (`--state`); a missing file is
    /// an error (listing must not create an empty state next to the user's).
    /// With `readOnly` (listing), nothing is written: a state file the user may only read works.
    public static func open(statePath: String, readOnly: Bool = false) async throws(CommandError) -> OutboxAdmin {
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw CommandError(.configuration, "no state file at '\(statePath)' (see --state, POSTWATCH_STATE)")
        }
        do {
            return OutboxAdmin(outbox: try SQLiteStore(path: statePath, readOnly: readOnly))
        } catch {
            throw CommandError(.configuration, error.description)
        }
    }
}
