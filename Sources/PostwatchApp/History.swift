import Foundation
import Timekeeping
import Watch

/// `postwatch history`: what became of each event that matched a rule, and of each
/// notification: sent where, when, with which answer; or held by a throttle, silenced, held by
/// a window, collected for a digest, and until when. `GET /api/v1/history` serves the same
/// document as `--output json` through ``json(parameters:)``.
///
/// Rows are shown oldest first (the newest `limit` of them), like a log: the last line is the
/// latest. Channel names only, never a destination; errors are stored redacted.
public struct History: Sendable {
    public enum Output: String, Sendable, CaseIterable { case text, json }

    let store: any Store
    let clock: any WallClock

    public init(store: any Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// The history of the state file at `statePath`, read-only (a missing file is an error:
    /// reading must not create an empty state next to the user's), or of the shared database a
    /// `postgres://` URL names.
    public static func open(
        statePath: String, passwordFile: String? = nil, clock: any WallClock = SystemClock()
    ) async throws(CommandError) -> History {
        if let shared = try await StateLocation.sharedStore(statePath, passwordFile: passwordFile) {
            return History(store: shared, clock: clock)
        }
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw CommandError(.configuration, "no state file at '\(statePath)' (see --state, POSTWATCH_STATE)")
        }
        do {
            return History(store: try SQLiteStore(path: statePath, readOnly: true), clock: clock)
        } catch {
            throw CommandError(.configuration, error.description)
        }
    }

    /// The command's output for `parameters` (``HistoryQuery/init(parameters:now:option:)``).
    public func rendered(parameters: [String: String], output: Output) async throws(CommandError) -> String {
        let entries = try await entries(HistoryQuery(parameters: parameters, now: clock.now))
        switch output {
        case .text: return HistoryText(entries: entries).rendered()
        case .json: return HistoryDocument(entries: entries).json() + "\n"
        }
    }

    /// The JSON document of `--output json` for query parameters as a URL gives them
    /// (`post`, `rule`, `channel`, `since`, `limit`): what `GET /api/v1/history` answers. A bad
    /// parameter is a ``CommandError`` naming it (a 400 for the server).
    public func json(parameters: [String: String]) async throws(CommandError) -> String {
        let query = try HistoryQuery(parameters: parameters, now: clock.now, option: { $0 })
        return HistoryDocument(entries: try await entries(query)).json()
    }

    /// The code of the error when the store could not be read (not the caller's fault: the API
    /// answers 500, not 400).
    static let unreadable = "store_unreadable"

    func entries(_ query: HistoryQuery) async throws(CommandError) -> [HistoryEntry] {
        do {
            return try await store.history(query)
        } catch {
            throw CommandError(.configuration, "cannot read the history: \(error)", code: Self.unreadable)
        }
    }
}
