import Foundation

/// Reads a `GET /v1/posts` page straight from its UTF-8 bytes: `JSONDecoder` was half the CPU of
/// a poll cycle.
///
/// It gives what `JSONDecoder.infinipost().decode(PostsPage.self, from:)` gives, or nil. Nil does
/// not mean the page is wrong, only that this parser does not read it: the caller then asks
/// `JSONDecoder`, which decodes the page or says what is wrong with it.
enum PostsPageParser {
    typealias Malformed = JSONByteReader.Malformed

    /// The page in `body`, or nil for anything this parser does not read.
    static func parse(_ body: Data) -> PostsPage? {
        body.withUnsafeBytes { raw in
            var reader = JSONByteReader(raw.assumingMemoryBound(to: UInt8.self))
            return try? page(&reader)
        }
    }

    // A case's name is its key in the JSON; its Int raw value numbers it for `members(of:among:_:)`.
    private enum PageKey: Int, CaseIterable {
        case data, hasMore, nextCursor
    }

    private enum PostKey: Int, CaseIterable {
        case postId, accountId, platform, contentType, contentUrl, thumbnailUrl, caption, soundId
        case timezone, scheduledTime, status, postedAt, createdAt
    }

    private static let pageKeys = PageKey.allCases.map { (name: Array("\($0)".utf8), key: $0) }
    private static let postKeys = PostKey.allCases.map { (name: Array("\($0)".utf8), key: $0) }

    private static func page(_ reader: inout JSONByteReader) throws(Malformed) -> PostsPage {
        var data: [Post]?
        var hasMore: Bool?
        var nextCursor: String?
        try members(of: &reader, among: pageKeys) { reader, key throws(Malformed) in
            switch key {
            case .data: data = try posts(&reader)
            case .hasMore: hasMore = try reader.readBool()
            case .nextCursor: nextCursor = try optional(&reader, string)
            }
        }
        try reader.finish()
        guard let data, let hasMore else { throw reader.malformed() }
        return PostsPage(data: data, hasMore: hasMore, nextCursor: nextCursor)
    }

    private static func posts(_ reader: inout JSONByteReader) throws(Malformed) -> [Post] {
        var posts: [Post] = []
        posts.reserveCapacity(100)  // the API's largest page
        var more = try reader.beginArray()
        while more {
            posts.append(try post(&reader))
            more = try reader.nextElement()
        }
        return posts
    }

    private static func post(_ reader: inout JSONByteReader) throws(Malformed) -> Post {
        var postId: String?
        var accountId: String?
        var platform: Platform?
        var contentType: ContentType?
        var contentUrl: ContentURL?
        var thumbnailUrl: String?
        var caption: String?
        var soundId: String?
        var timezone: String?
        var scheduledTime: Date?
        var status: PostStatus?
        var postedAt: Date?
        var createdAt: Date?
        try members(of: &reader, among: postKeys) { reader, key throws(Malformed) in
            switch key {
            case .postId: postId = try reader.readString()
            case .accountId: accountId = try reader.readString()
            case .platform: platform = Platform(rawValue: try reader.readString())
            case .contentType: contentType = ContentType(rawValue: try reader.readString())
            case .contentUrl: contentUrl = try contentURL(&reader)
            case .thumbnailUrl: thumbnailUrl = try optional(&reader, string)
            case .caption: caption = try reader.readString()
            case .soundId: soundId = try optional(&reader, string)
            case .timezone: timezone = try reader.readString()
            case .scheduledTime: scheduledTime = try date(&reader)
            case .status: status = PostStatus(rawValue: try reader.readString())
            case .postedAt: postedAt = try optional(&reader, date)
            case .createdAt: createdAt = try date(&reader)
            }
        }
        guard let postId, let accountId, let platform, let contentType, let contentUrl, let caption, let timezone,
            let scheduledTime, let status, let createdAt
        else { throw reader.malformed() }
        return Post(
            postId: postId, accountId: accountId, platform: platform, contentType: contentType, contentUrl: contentUrl,
            thumbnailUrl: thumbnailUrl, caption: caption, soundId: soundId, timezone: timezone,
            scheduledTime: scheduledTime, status: status, postedAt: postedAt, createdAt: createdAt)
    }

    /// Reads an object, calling `read` for the first value of each key of `keys` and skipping the
    /// others: JSONDecoder keeps the first value of a repeated key, and ignores unknown keys.
    private static func members<Key: RawRepresentable<Int>>(
        of reader: inout JSONByteReader, among keys: [(name: [UInt8], key: Key)],
        _ read: (inout JSONByteReader, Key) throws(Malformed) -> Void
    ) throws(Malformed) {
        var seen = 0  // bit n set once the key whose raw value is n has been read
        var more = try reader.beginObject()
        while more {
            if let key = try reader.readKey(among: keys), seen & 1 << key.rawValue == 0 {
                seen |= 1 << key.rawValue
                try read(&reader, key)
            } else {
                try reader.skipValue()
            }
            more = try reader.nextMember()
        }
    }

    private static func string(_ reader: inout JSONByteReader) throws(Malformed) -> String {
        try reader.readString()
    }

    /// A string, or an array of strings.
    private static func contentURL(_ reader: inout JSONByteReader) throws(Malformed) -> ContentURL {
        guard reader.peek() == UInt8(ascii: "[") else { return .single(try reader.readString()) }
        var urls: [String] = []
        var more = try reader.beginArray()
        while more {
            urls.append(try reader.readString())
            more = try reader.nextElement()
        }
        return .multiple(urls)
    }

    // The API's own form is read from the bytes; any other goes through `InfinipostTime.parse`, as in
    // `JSONDecoder.infinipost()`.
    private static func date(_ reader: inout JSONByteReader) throws(Malformed) -> Date {
        let raw = try reader.readRawString()
        if !raw.hasEscapes, let date = InfinipostTime.parseBasic(reader.bytes(of: raw)) { return date }
        guard let date = InfinipostTime.parse(try reader.string(raw)) else { throw reader.malformed() }
        return date
    }

    /// `null` as nil, else what `read` reads: as `decodeIfPresent` once the key is there.
    private static func optional<Value>(
        _ reader: inout JSONByteReader, _ read: (inout JSONByteReader) throws(Malformed) -> Value
    ) throws(Malformed) -> Value? {
        if reader.readNull() { return nil }
        return try read(&reader)
    }
}
