import Foundation
import Redaction

extension CheckReport {
    /// The document of a `check` that failed before it could report a cycle (exit 2 or 3): the
    /// usual shape, empty, with `error`, so a CI job parses every outcome the same way.
    public init(failure: CommandError, startedAt: Date = Date(), dryRun: Bool = false) {
        self.init(
            cycle: Cycle(startedAt: startedAt, durationMilliseconds: 0, posts: 0, pages: 0, baseline: false, dryRun: dryRun),
            events: [], notifications: Notifications(queued: 0, delivered: 0, pending: 0, dead: 0),
            exitCode: failure.status.rawValue,
            // Redacted like the stderr line: stdout is an output like any other.
            error: Failure(code: failure.code, message: Redactor.process.redact(failure.message)))
    }
}
