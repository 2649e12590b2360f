/// One page of `GET /v1/posts`.
public struct PostsPage: Sendable, Hashable, Codable {
    public var data: [Post]
    public var hasMore: Bool
    public var nextCursor: String?

    public init(data: [Post], hasMore: Bool, nextCursor: String?) {
        self.data = data
        self.hasMore = hasMore
        self.nextCursor = nextCursor
    }

    // `nextCursor: null` must be written out on the last page, as the API does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(hasMore, forKey: .hasMore)
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    private enum CodingKeys: String, CodingKey { case data, hasMore, nextCursor }
}

/// The error envelope: `{"error": {"code": "...", "message": "..."}}`.
public struct ErrorEnvelope: Sendable, Hashable, Codable {
    public struct Body: Sendable, Hashable, Codable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }
    public var error: Body
    public init(code: String, message: String) { error = Body(code: code, message: message) }
}
