import Foundation
import Timekeeping
import Watch

/// `postwatch silence add|list|show|expire`, and what the daemon's `/api/v1/silences` does:
/// silences in the state store, read by every cycle of `run` and `check` (from the next cycle).
///
/// The operations return values (the API answers them as JSON); the `…Text` ones are what the
/// command prints.
public struct SilenceAdmin: Sendable {
    let store: any Store
    let clock: any WallClock

    public init(store: any Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// What a caller may get wrong, apart from a store that fails.
    public enum Failure: Error, Sendable {
        case invalid(SilenceRequestError)
        case notFound(Int64)
        case store(String)

        public var message: String {
            switch self {
            case .invalid(let error): error.message
            case .notFound(let id): "no silence with ID \(id) (see `postwatch silence list --all`)"
            case .store(let message): message
            }
        }

        var commandError: CommandError { CommandError(.configuration, message) }
    }

    /// Checks and stores a silence; it mutes from the next cycle that starts after `startsAt`.
    public func add(_ request: SilenceRequest) async throws(Failure) -> Silence {
        let draft: SilenceDraft
        do { draft = try request.draft(now: clock.now) } catch { throw .invalid(error) }
        do {
            return try await store.addSilence(draft)
        } catch {
            throw .store("cannot store the silence: \(error)")
        }
    }

    /// The active and pending silences, or every one (`all`, expired ones too), by id.
    public func silences(all: Bool) async throws(Failure) -> [Silence] {
        do {
            return try await store.silences(endingAfter: all ? nil : clock.now)
        } catch {
            throw .store("cannot read the silences: \(error)")
        }
    }

    /// One silence and the number of events it muted.
    public func show(id: Int64) async throws(Failure) -> SilenceDocument {
        try await details(id: id).document
    }

    /// One silence and the events it muted, oldest first.
    func details(id: Int64) async throws(Failure) -> (document: SilenceDocument, muted: [StoredSilencedEvent]) {
        do {
            guard let silence = try await store.silence(id: id) else { throw Failure.notFound(id) }
            let muted = try await store.silencedEvents(silenceId: id, limit: Int.max)
            return (SilenceDocument(silence, now: clock.now, silencedEvents: muted.count), muted)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .store("cannot read the silences: \(error)")
        }
    }

    /// Ends a silence now; the row stays for history. One already over stays as it ended
    /// (`ended` false).
    public func expire(id: Int64) async throws(Failure) -> (silence: Silence, ended: Bool) {
        let now = clock.now
        do {
            guard let current = try await store.silence(id: id) else { throw Failure.notFound(id) }
            guard current.state(at: now) != .expired else { return (current, false) }
            guard let expired = try await store.expireSilence(id: id, at: now) else { throw Failure.notFound(id) }
            return (expired, true)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .store("cannot expire the silence: \(error)")
        }
    }

    /// Documents of `silences` as they stand now.
    public func documents(_ silences: [Silence]) -> [SilenceDocument] {
        let now = clock.now
        return silences.map { SilenceDocument($0, now: now) }
    }
}

extension SilenceAdmin {
    /// `silence add`'s answer: the id to expire it by, and what it mutes until when.
    public func addText(_ request: SilenceRequest) async throws(CommandError) -> String {
        let silence: Silence
        do { silence = try await add(request) } catch { throw error.commandError }
        let now = clock.now
        let from = silence.startsAt > now ? " from \(SilenceTable.time(silence.startsAt))" : ""
        let length = Duration.seconds(Int64(silence.endsAt.timeIntervalSince(silence.startsAt).rounded()))
        return """
            Silence \(silence.id) added: mutes \(silence.matcher)\(from) until \(SilenceTable.time(silence.endsAt)) \
            (\(length.compactDescription)), from the next cycle on.
            Expire it early with: postwatch silence expire \(silence.id)

            """
    }

    /// `silence list`: a table (or a JSON array), and a line saying what `--all` would add.
    public func listText(all: Bool, json: Bool) async throws(CommandError) -> String {
        let silences: [Silence]
        do { silences = try await self.silences(all: all) } catch { throw error.commandError }
        if json { return SilenceDocument.json(documents(silences)) + "\n" }
        guard !silences.isEmpty else {
            return all ? "No silences.\n" : "No active or pending silences (see --all for expired ones).\n"
        }
        return SilenceTable(silences: silences, now: clock.now).rendered() + "\n"
    }

    /// `silence show ID`: every field, and how many events it muted.
    public func showText(id: Int64, json: Bool) async throws(CommandError) -> String {
        let (document, muted): (SilenceDocument, [StoredSilencedEvent])
        do { (document, muted) = try await details(id: id) } catch { throw error.commandError }
        if json { return SilenceDocument.json(document) + "\n" }
        let silence = document.silence
        var lines = [
            "Silence \(silence.id) (\(document.state.rawValue))",
            "  matcher:  \(silence.matcher)",
            "  starts:   \(SilenceTable.time(silence.startsAt))",
            "  ends:     \(SilenceTable.time(silence.endsAt))",
            "  created:  \(SilenceTable.time(silence.createdAt)) by \(silence.author)",
            "  comment:  \(silence.comment)",
        ]
        if let expiredAt = silence.expiredAt { lines.append("  expired:  \(SilenceTable.time(expiredAt)) (early)") }
        lines.append("  muted:    \(muted.count) matched event(s), recorded in the state file")
        lines += Self.mutedSummary(muted).map { "    " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What a silence muted, a line per rule: `Failed posts: 5 failed on acc_1, 2 overdue on acc_2`
    /// (the counts by transition and account, most first; at most 20 rules).
    static func mutedSummary(_ muted: [StoredSilencedEvent]) -> [String] {
        var byRule: [String: [String: Int]] = [:]
        for event in muted {
            let what = event.kind == "transition" ? event.to : event.kind
            byRule[event.rule, default: [:]]["\(what) on \(event.accountId)", default: 0] += 1
        }
        let lines = byRule.sorted { $0.key < $1.key }.map { rule, counts in
            let parts = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }
            return "\(rule): " + parts.prefix(10).joined(separator: ", ") + (parts.count > 10 ? ", …" : "")
        }
        return lines.count > 20 ? Array(lines.prefix(20)) + ["… \(lines.count - 20) more rule(s)"] : lines
    }

    /// `silence expire ID`.
    public func expireText(id: Int64) async throws(CommandError) -> String {
        let silence: Silence
        let ended: Bool
        do { (silence, ended) = try await expire(id: id) } catch { throw error.commandError }
        guard ended else {
            return "Silence \(id) had already ended at \(SilenceTable.time(silence.endsAt)); nothing changed.\n"
        }
        return "Silence \(id) expired: events it matched are notified again from the next cycle.\n"
    }

    /// The admin of the silences in the state file at `statePath`, or in the shared database a
    /// `postgres://` URL names; a missing file is an error (a mistyped `--state` must not
    /// create a state no daemon reads, muting nothing).
    public static func open(statePath: String, passwordFile: String? = nil, readOnly: Bool = false) async throws(CommandError) -> SilenceAdmin {
        if let shared = try await StateLocation.sharedStore(statePath, passwordFile: passwordFile) {
            return SilenceAdmin(store: shared)
        }
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw CommandError(
                .configuration,
                "no state file at '\(statePath)' (see --state, POSTWATCH_STATE; `postwatch check` or `run` creates it)")
        }
        do {
            return SilenceAdmin(store: try SQLiteStore(path: statePath, readOnly: readOnly))
        } catch {
            throw CommandError(.configuration, error.description)
        }
    }
}
