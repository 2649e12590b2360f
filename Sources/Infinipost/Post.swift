import Foundation

/// One post as `GET /v1/posts` returns it (see API.md).
///
/// Unknown fields are ignored; unknown `status`, `platform` and `contentType` values are kept raw
/// (the API may add some), so a page never fails to decode because of them.
public struct Post: Sendable, Hashable, Codable {
    public var postId: String
    public var accountId: String
    public var platform: Platform
    public var contentType: ContentType
    public var contentUrl: ContentURL
    public var thumbnailUrl: String?
    public var caption: String
    public var soundId: String?
    public var timezone: String
    public var scheduledTime: Date
    public var status: PostStatus
    public var postedAt: Date?
    public var createdAt: Date

    public init(
        postId: String,
        accountId: String,
        platform: Platform,
        contentType: ContentType,
        contentUrl: ContentURL,
        thumbnailUrl: String? = nil,
        caption: String,
        soundId: String? = nil,
        timezone: String,
        scheduledTime: Date,
        status: PostStatus,
        postedAt: Date? = nil,
        createdAt: Date
    ) {
        self.postId = postId
        self.accountId = accountId
        self.platform = platform
        self.contentType = contentType
        self.contentUrl = contentUrl
        self.thumbnailUrl = thumbnailUrl
        self.caption = caption
        self.soundId = soundId
        self.timezone = timezone
        self.scheduledTime = scheduledTime
        self.status = status
        self.postedAt = postedAt
        self.createdAt = createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case postId, accountId, platform, contentType, contentUrl, thumbnailUrl, caption, soundId
        case timezone, scheduledTime, status, postedAt, createdAt
    }

    // `null` must be written as `null` (not omitted): the webhook channel forwards posts as the API gave them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(postId, forKey: .postId)
        try container.encode(accountId, forKey: .accountId)
        try container.encode(platform, forKey: .platform)
        try container.encode(contentType, forKey: .contentType)
        try container.encode(contentUrl, forKey: .contentUrl)
        try container.encode(thumbnailUrl, forKey: .thumbnailUrl)
        try container.encode(caption, forKey: .caption)
        try container.encode(soundId, forKey: .soundId)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(scheduledTime, forKey: .scheduledTime)
        try container.encode(status, forKey: .status)
        try container.encode(postedAt, forKey: .postedAt)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// `contentUrl`: a string for `video`, an array of strings for `slides`.
public enum ContentURL: Sendable, Hashable, Codable {
    case single(String)
    case multiple([String])

    /// All URLs, in order.
    public var urls: [String] {
        switch self {
        case .single(let url): [url]
        case .multiple(let urls): urls
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let url = try? container.decode(String.self) {
            self = .single(url)
        } else {
            self = .multiple(try container.decode([String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .single(let url): try container.encode(url)
        case .multiple(let urls): try container.encode(urls)
        }
    }
}
