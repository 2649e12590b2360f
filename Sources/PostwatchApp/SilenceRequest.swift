import Foundation
import Rules
import Timekeeping
import Watch

/// A silence as a user asks for it, from `postwatch silence add` or `POST /api/v1/silences`,
/// checked the same way for both before it becomes a ``Watch/SilenceDraft``.
///
/// The condition is checked as a rule's `where` (line:column, did-you-mean); the silence must
/// end after it starts and after now, and last at most ``longest``: a mute longer than a month
/// is a rule change, not a silence, and a typo such as `--for 200d` should not hide a month of
/// failures.
public struct SilenceRequest: Sendable, Hashable {
    public var matcher: String
    /// When it starts muting; nil: now.
    public var startsAt: Date?
    /// How long it lasts from `startsAt`; exactly one of `duration` and `endsAt`.
    public var duration: Duration?
    public var endsAt: Date?
    public var comment: String
    public var author: String
    /// When it ends, tell the muted rules' channels what was muted (``Watch/Silence/summary``).
    public var summary: Bool

    public init(
        matcher: String, startsAt: Date? = nil, duration: Duration? = nil, endsAt: Date? = nil, comment: String,
        author: String, summary: Bool = false
    ) {
        self.summary = summary
        self.matcher = matcher
        self.startsAt = startsAt
        self.duration = duration
        self.endsAt = endsAt
        self.comment = comment
        self.author = author
    }

    /// The longest silence taken (31 days).
    public static let longest: Duration = .seconds(31 * 86_400)
    /// Longer comments, authors and conditions are refused: they are shown in every table.
    static let maxTextLength = 1_000

    /// The silence to store, made at `now`; throws saying which input is wrong, and where.
    public func draft(now: Date) throws(SilenceRequestError) -> SilenceDraft {
        do {
            _ = try Matcher(matcher, name: "matcher")
        } catch {
            let first = error.errors.first
            throw SilenceRequestError(
                field: "matcher", message: "the condition has errors:\n\(error)",
                line: first?.location.line, column: first?.location.column)
        }
        guard matcher.count <= Self.maxTextLength else {
            throw SilenceRequestError(field: "matcher", message: "the condition is longer than \(Self.maxTextLength) characters")
        }
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        // As amtool requires one by default: in a month, "why is acc_1 muted?" needs an answer.
        guard !comment.isEmpty else {
            throw SilenceRequestError(field: "comment", message: "a comment is required (why mute? e.g. \"TikTok outage\")")
        }
        let author = author.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !author.isEmpty else { throw SilenceRequestError(field: "author", message: "an author is required (--author NAME)") }
        for (field, text) in [("comment", comment), ("author", author)] where text.count > Self.maxTextLength {
            throw SilenceRequestError(field: field, message: "the \(field) is longer than \(Self.maxTextLength) characters")
        }
        let start = startsAt ?? now
        let end: Date
        switch (duration, endsAt) {
        case let (duration?, nil):
            guard duration > .zero else {
                throw SilenceRequestError(field: "duration", message: "the duration must be longer than 0s")
            }
            end = start.addingTimeInterval(duration.secondsValue)
        case let (nil, endsAt?):
            end = endsAt
        default:
            throw SilenceRequestError(field: "duration", message: "give a duration or an end time (one of them)")
        }
        guard end > start else {
            throw SilenceRequestError(field: "endsAt", message: "the silence must end after it starts (\(Self.format(start)))")
        }
        guard end > now else {
            throw SilenceRequestError(field: "endsAt", message: "the silence would already be over (it ends \(Self.format(end)))")
        }
        guard end.timeIntervalSince(start) <= Self.longest.secondsValue else {
            throw SilenceRequestError(
                field: "duration",
                message: "a silence lasts at most \(Self.longest.compactDescription); mute for longer with a rule's `where`")
        }
        return SilenceDraft(
            matcher: matcher, startsAt: start, endsAt: end, createdAt: now, author: author, comment: comment, summary: summary)
    }

    static func format(_ date: Date) -> String { date.formatted(.iso8601) }

    /// Who adds a silence from the command line when `--author` is not given: `$USER`, else
    /// `$LOGNAME`, else the name of the process's user (cron and systemd may set neither).
    public static func defaultAuthor(environment: [String: String]) -> String {
        if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return name }
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "" }
        return String(cString: name)
    }
}

/// A silence refused: which input (`matcher`, `duration`, `endsAt`, `comment`, `author`), why,
/// and for a condition where in it (the API's 400 body carries the same).
public struct SilenceRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public let field: String
    public let message: String
    public let line: Int?
    public let column: Int?

    public init(field: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.field = field
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { message }
}
