import Foundation
import Rules

/// What `postwatch check` found and did: printed as a table, or as JSON (`--output json`).
///
/// The JSON form is a stable interface (documented in docs/check.md): fields are only added,
/// never renamed or removed, while `version` stays 1.
public struct CheckReport: Sendable, Codable, Equatable {
    public struct Cycle: Sendable, Codable, Equatable {
        public var startedAt: Date
        public var durationMilliseconds: Int
        /// Posts in the snapshot.
        public var posts: Int
        public var pages: Int
        /// True when this was the first snapshot into an empty state (events only within `--since`).
        public var baseline: Bool
        public var dryRun: Bool
        /// Posts whose change waits for a cycle that lists them consistently (the API listed
        /// them under a filter their body contradicts), by id, with why.
        public var held: [String: String] = [:]
        /// Posts dropped for an empty `postId`.
        public var rejected = 0
        /// Events a maintenance window kept from a rule (or one of its channels), one line each:
        /// `"Failed posts" post_abc123: window "weekend" until 2026-03-30T00:00:00+02:00`.
        public var muted: [String] = []
    }

    public struct FiredRule: Sendable, Codable, Equatable {
        public var name: String
        public var severity: Severity
        /// The silence that muted this match (recorded, not notified); absent when none did.
        public var silence: Int64?
        /// The maintenance window that held this match from the whole rule (`mute during`);
        /// absent when none did (a window on one channel leaves the others notified).
        public var window: String?
    }

    /// One event and the rules it fired.
    public struct Event: Sendable, Codable, Equatable {
        public var kind: String
        public var from: String
        public var to: String
        public var postId: String
        public var accountId: String
        public var platform: String
        public var contentType: String
        public var scheduledTime: Date
        public var timezone: String
        public var rules: [FiredRule]
    }

    public struct Notifications: Sendable, Codable, Equatable {
        /// Notifications this run put in the outbox (0 with `--dry-run`).
        public var queued: Int
        public var delivered: Int
        /// Still in the outbox, to be retried by the next `check` or by `run` (exit code 4).
        public var pending: Int
        public var dead: Int
    }

    /// Why `check` failed (exit 2 or 3); absent when it ran.
    public struct Failure: Sendable, Codable, Equatable {
        /// The API's error code when the API failed (`unauthenticated`, `rate_limited`,
        /// `timeout`, `connection`, `bad_response`, …), else `configuration` or `store`.
        public var code: String
        /// What stderr says too, secrets redacted.
        public var message: String
    }

    public var version = 1
    public var cycle: Cycle
    /// Every event of the cycle, fired a rule or not (with `--events fired`, those that did).
    public var events: [Event]
    /// Events `--events fired` left out (they fired no rule); 0 otherwise.
    public var eventsLeftOut = 0
    public var notifications: Notifications
    public var exitCode: Int32
    public var error: Failure?

    /// The rules of severity warning or critical that fired unmuted: `check` exits 1 when there is one.
    public var firedAlerting: [FiredRule] {
        var seen = Set<String>()
        // A match muted by a silence or held by the rule's maintenance window was muted on
        // purpose: it does not fail a CI job.
        return events.flatMap(\.rules).filter {
            $0.severity >= .warning && $0.silence == nil && $0.window == nil && seen.insert($0.name).inserted
        }
    }

    public func json() -> String {
        let data = (try? JSONEncoder.document().encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
