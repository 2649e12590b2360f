/// A value the API documents as an enum, kept raw so that a value added later decodes too.
public protocol OpenEnum: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible
where RawValue == String {
    init(rawValue: String)
    /// The values API.md documents.
    static var documented: [Self] { get }
}

extension OpenEnum {
    public var description: String { rawValue }
    /// False for a value the API added after this build: it is stored, shown, never matched.
    public var isDocumented: Bool { Self.documented.contains(self) }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A post's status: `generated` → `pending_render` → `posted` | `failed`.
public struct PostStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let generated = PostStatus(rawValue: "generated")
    public static let pendingRender = PostStatus(rawValue: "pending_render")
    public static let posted = PostStatus(rawValue: "posted")
    public static let failed = PostStatus(rawValue: "failed")
    public static let documented: [PostStatus] = [.generated, .pendingRender, .posted, .failed]

    /// Position in the lifecycle (generated < pending_render < posted/failed); nil when unknown.
    public var lifecycleRank: Int? {
        switch self {
        case .generated: 0
        case .pendingRender: 1
        case .posted, .failed: 2
        default: nil
        }
    }

    /// True once the post can no longer move on (as far as the reference shows).
    public var isFinal: Bool { self == .posted || self == .failed }
}

/// `tiktok` or `instagram`.
public struct Platform: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let tiktok = Platform(rawValue: "tiktok")
    public static let instagram = Platform(rawValue: "instagram")
    public static let documented: [Platform] = [.tiktok, .instagram]
}

/// `video` or `slides`.
public struct ContentType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let video = ContentType(rawValue: "video")
    public static let slides = ContentType(rawValue: "slides")
    public static let documented: [ContentType] = [.video, .slides]
}
