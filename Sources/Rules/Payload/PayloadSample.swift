/// The notification `rules lint` renders a webhook template over: every field a real document
/// can have (a transition and an overdue event, `suppressed`, every `group by` field), and a
/// hostile caption, so a template that is JSON only for friendly captions is caught before it
/// is ever sent. A Notify test keeps its shape equal to the real `NotificationDocument`'s.
public enum PayloadSample {
    /// Quotes, backslashes, every kind of line break, control characters, U+2028/U+2029, an
    /// RTL override, a lone `}` and emoji: what breaks hand-made JSON.
    public static let caption = "Sale \"50%\" off! C:\\temp\\ \n\r\t\u{08}\u{0C}\u{00}\u{07}\u{1B}[31m \u{2028}\u{2029} \u{202E}fdp.exe }]\", 🎉👩🏽‍💻"

    static func post(_ id: String, status: String, caption: String, slides: Bool, postedAt: JSONValue) -> JSONValue {
        .object([
            ("accountId", .string("acc_1a2b3c4d5e")),
            ("caption", .string(caption)),
            ("contentType", .string(slides ? "slides" : "video")),
            ("contentUrl", slides
                ? .array([.string("https://storage.googleapis.com/b/\(id)/1.jpg"), .string("https://storage.googleapis.com/b/\(id)/2.jpg")])
                : .string("https://storage.googleapis.com/b/\(id).mp4")),
            ("createdAt", .string("2024-04-21T20:15:00Z")),
            ("platform", .string("tiktok")),
            ("postId", .string(id)),
            ("postedAt", postedAt),
            ("scheduledTime", .string("2024-04-22T16:00:00Z")),
            ("soundId", .string("snd_xyz789")),
            ("status", .string(status)),
            ("thumbnailUrl", .string("https://storage.googleapis.com/b/\(id)/thumb.jpg")),
            ("timezone", .string("America/New_York")),
        ])
    }

    /// The sample document, as a webhook's JSON document would read.
    public static let document: JSONValue = .object([
        ("channel", .string("hook")),
        ("channelKind", .string("webhook")),
        ("createdAt", .string("2024-04-22T16:01:00Z")),
        ("events", .array([
            .object([
                ("cycle", .number("1042")),
                ("detectedAt", .string("2024-04-22T16:01:00Z")),
                ("from", .string("pending_render")),
                ("kind", .string("transition")),
                ("post", post("post_abc123", status: "failed", caption: caption, slides: false, postedAt: .null)),
                ("to", .string("failed")),
            ]),
            .object([
                ("cycle", .number("1042")),
                ("detectedAt", .string("2024-04-22T16:01:00Z")),
                ("from", .string("generated")),
                ("kind", .string("overdue")),
                ("overdueSeconds", .number("1800")),
                ("post", post("post_def456", status: "generated", caption: "\"}]", slides: true, postedAt: .string("2024-04-22T16:00:12Z"))),
                ("to", .string("generated")),
            ]),
        ])),
        ("group", .object(Field.allCases.filter(\.isGroupable).map { ($0.rawValue, .string("sample \"\($0.rawValue)\"")) })),
        ("groupKey", .string("accountId=acc_1a2b3c4d5e")),
        ("idempotencyKey", .string("3f0c6b1e2d4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8")),
        ("message", .object([
            ("body", .string("❌ tiktok video · post post_abc123\n  pending_render → failed\n  caption: " + caption)),
            ("format", .string("plain")),
            ("more", .number("0")),
            ("title", .string("🚨 \"Failed\" posts: 2 status changes")),
        ])),
        ("rule", .string("Failed \"posts\" \\ rule")),
        ("severity", .string("critical")),
        ("suppressed", .object([("count", .number("2")), ("since", .string("2024-04-22T15:50:00Z"))])),
        ("version", .number("1")),
    ])
}
