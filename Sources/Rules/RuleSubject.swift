import Foundation

/// What a rule is evaluated over: one event and the post it is about, as plain values.
///
/// `Rules` does not depend on the API models; the Watch module builds this from an `Event`.
/// Statuses, platforms and content types are the raw strings the API sent, so a value the API
/// adds later is carried along and simply never matches a rule that names the documented ones.
public struct RuleSubject: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case transition, overdue, deleted
    }

    public var kind: Kind
    /// The previous status, or `"new"` for a post seen for the first time.
    public var from: String
    /// The new status; `"deleted"` for a deletion; the current status for an overdue event.
    public var to: String
    /// For an overdue event: the threshold (seconds) it was emitted for.
    public var overdueSeconds: Int?
    public var postId: String
    public var accountId: String
    public var platform: String
    public var contentType: String
    public var caption: String
    public var timezone: String
    public var soundId: String?
    public var thumbnailUrl: String?
    public var status: String
    public var scheduledTime: Date
    public var postedAt: Date?
    public var createdAt: Date
    /// The number of content URLs (1 for a video).
    public var slides: Int
    /// When the event was detected; `age` is measured from here.
    public var now: Date

    public init(
        kind: Kind, from: String, to: String, overdueSeconds: Int? = nil,
        postId: String, accountId: String, platform: String, contentType: String,
        caption: String, timezone: String, soundId: String? = nil, thumbnailUrl: String? = nil,
        status: String, scheduledTime: Date, postedAt: Date? = nil, createdAt: Date,
        slides: Int, now: Date
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.overdueSeconds = overdueSeconds
        self.postId = postId
        self.accountId = accountId
        self.platform = platform
        self.contentType = contentType
        self.caption = caption
        self.timezone = timezone
        self.soundId = soundId
        self.thumbnailUrl = thumbnailUrl
        self.status = status
        self.scheduledTime = scheduledTime
        self.postedAt = postedAt
        self.createdAt = createdAt
        self.slides = slides
        self.now = now
    }

    /// `postedAt - scheduledTime` in seconds; nil until the post is posted.
    public var delay: Double? {
        postedAt.map { $0.timeIntervalSince(scheduledTime) }
    }

    /// `now - createdAt` in seconds.
    public var age: Double { now.timeIntervalSince(createdAt) }
}

extension RuleSubject {
    /// The value of a `group by` field (`accountId`, `platform`, …) as a message is keyed and
    /// titled by; "" for a nullable field without a value, nil for a name that is not a
    /// groupable field (the checker lets no other name through).
    ///
    /// The switch is over every ``Field``: a field added to the language has to say here what
    /// it groups by, instead of falling through to "" and putting every post in one group.
    public func groupValue(_ name: String) -> String? {
        guard let field = Field(rawValue: name) else { return nil }
        switch field {
        case .postId: return postId
        case .accountId: return accountId
        case .platform: return platform
        case .contentType: return contentType
        case .caption: return caption
        case .soundId: return soundId ?? ""
        case .timezone: return timezone
        case .thumbnailUrl: return thumbnailUrl ?? ""
        case .status: return status
        case .from: return from
        case .to: return to
        case .scheduledTime, .postedAt, .createdAt, .delay, .age, .slides: return nil
        }
    }
}
