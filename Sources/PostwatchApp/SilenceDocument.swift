import Foundation
import Watch

/// A silence as JSON: `silence list --output json`, `silence show --output json` and the
/// daemon's `/api/v1/silences` answer with the same shape (times in ISO 8601, UTC).
///
/// ```json
/// {"id": 3, "matcher": "accountId = \"acc_1\"", "state": "active", "startsAt": "2026-12-03T15:00:00Z",
///  "endsAt": "2026-12-03T17:00:00Z", "createdAt": "…", "author": "ana", "comment": "TikTok outage"}
/// ```
public struct SilenceDocument: Encodable, Sendable, Hashable {
    /// The silence's fields, as stored (`expiredAt` only when it was expired early).
    public var silence: Silence
    /// `pending`, `active` or `expired`, at the time of the answer.
    public var state: Silence.State
    /// Matched events it muted so far (`show` only; absent from lists).
    public var silencedEvents: Int?

    public init(_ silence: Silence, now: Date, silencedEvents: Int? = nil) {
        self.silence = silence
        state = silence.state(at: now)
        self.silencedEvents = silencedEvents
    }

    private enum CodingKeys: String, CodingKey { case state, silencedEvents }

    /// One flat object: the silence's own keys, then `state` (and `silencedEvents`) beside them.
    public func encode(to encoder: any Encoder) throws {
        try silence.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(silencedEvents, forKey: .silencedEvents)
    }

    /// Sorted keys, ISO 8601 dates: stable output a script can diff.
    public static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
