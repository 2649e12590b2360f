import Foundation
import Infinipost
import Rules
import Watch

/// One notification as it sits in the outbox (`OutboxDraft.payload`) and as the `webhook`
/// channel posts it: the rule, the events with the full post objects, the grouping and the
/// throttling facts, and the message already rendered for the channel's format.
///
/// The channel's URL, addresses and secret are never part of it: they are read from the loaded
/// rules when it is delivered. See `docs/webhooks.md` for the schema.
public struct NotificationDocument: Sendable, Hashable, Codable {
    /// Bumped on an incompatible change of this document.
    public static let currentVersion = 1

    /// Events held back by a throttle and delivered in this message.
    public struct Suppressed: Sendable, Hashable, Codable {
        public var count: Int
        public var since: Date
        public init(count: Int, since: Date) {
            self.count = count
            self.since = since
        }
    }

    /// The text for one format: a title (email subject, first line) and a body.
    public struct Message: Sendable, Hashable, Codable {
        public var format: MessageFormat
        public var title: String
        public var body: String
        /// Posts left out for size ("…and N more").
        public var more: Int
        public init(format: MessageFormat, title: String, body: String, more: Int = 0) {
            self.format = format
            self.title = title
            self.body = body
            self.more = more
        }
    }

    /// What a notification does to the alerts of its posts (see `Watch.OpenAlert`).
    public enum Action: String, Sendable, Hashable, Codable {
        /// The rule fired: PagerDuty `trigger`, a chat message.
        case trigger
        /// The posts' earlier alerts closed: PagerDuty `resolve`, a chat "resolved" follow-up.
        case resolve
    }

    public var version: Int
    /// Nil for a trigger: only resolves say so, so a trigger's JSON is what it always was.
    public var action: Action?
    /// True for a resolve of earlier alerts.
    public var isResolve: Bool { action == .resolve }
    public var idempotencyKey: String
    public var rule: String
    /// Encoded as its name (`critical`), as it always was: payloads in state files decode.
    public var severity: Severity
    /// The channel's name in the rules and its kind (`slack`, `webhook`, …).
    public var channel: String
    public var channelKind: ChannelKind
    /// The `group by` values of this message; empty without `group by`.
    public var group: [String: String]
    /// The group values as one string (`accountId=acc_1`); empty without `group by`.
    public var groupKey: String
    public var createdAt: Date
    /// Every event of the message, held ones included, with the post as the API gave it.
    public var events: [Event]
    public var suppressed: Suppressed?
    public var message: Message

    public init(
        idempotencyKey: String, rule: String, severity: Severity, channel: String, channelKind: ChannelKind,
        group: [String: String], groupKey: String, createdAt: Date, events: [Event],
        suppressed: Suppressed?, message: Message, action: Action? = nil
    ) {
        self.version = Self.currentVersion
        self.action = action == .trigger ? nil : action
        self.idempotencyKey = idempotencyKey
        self.rule = rule
        self.severity = severity
        self.channel = channel
        self.channelKind = channelKind
        self.group = group
        self.groupKey = groupKey
        self.createdAt = createdAt
        self.events = events
        self.suppressed = suppressed
        self.message = message
    }

    /// The JSON form: keys sorted (the same document always gives the same bytes), times as the
    /// API writes them.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder.infinipost()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> NotificationDocument {
        try JSONDecoder.infinipost().decode(NotificationDocument.self, from: data)
    }
}
