import Foundation
import Watch

extension OutboxAdmin {
    /// The admin of the outbox in the state file at `statePath` (`--state`), or in the shared
    /// database a `postgres://` URL names; a missing file is an error (listing must not create
    /// an empty state next to the user's).
    /// With `readOnly` (listing), nothing is written: a state file the user may only read works.
    public static func open(statePath: String, passwordFile: String? = nil, readOnly: Bool = false) async throws(CommandError) -> OutboxAdmin {
        if let shared = try await StateLocation.sharedStore(statePath, passwordFile: passwordFile) {
            return OutboxAdmin(outbox: shared)
        }
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
