/// The fields a `where` condition and a `group by` can name, with their types.
enum Field: String, CaseIterable, Sendable {
    case postId, accountId, platform, contentType, caption, soundId, timezone, thumbnailUrl, status
    case scheduledTime, postedAt, createdAt
    case from, to
    case delay, age, slides

    enum FieldType: Sendable, Equatable {
        case string
        /// One of a documented set of values (a value the API adds later never equals one of them).
        case enumeration([String])
        case time
        case duration
        case number

        var name: String {
            switch self {
            case .string: "a string"
            case .enumeration(let values): "one of \(values.joined(separator: ", "))"
            case .time: "a time"
            case .duration: "a duration"
            case .number: "a number"
            }
        }
    }

    static let statuses = ["generated", "pending_render", "posted", "failed"]
    static let platforms = ["tiktok", "instagram"]
    static let contentTypes = ["video", "slides"]

    var type: FieldType {
        switch self {
        case .postId, .accountId, .caption, .soundId, .timezone, .thumbnailUrl: .string
        case .platform: .enumeration(Self.platforms)
        case .contentType: .enumeration(Self.contentTypes)
        case .status: .enumeration(Self.statuses)
        case .from: .enumeration(["new"] + Self.statuses)
        case .to: .enumeration(Self.statuses + ["deleted"])
        case .scheduledTime, .postedAt, .createdAt: .time
        case .delay, .age: .duration
        case .slides: .number
        }
    }

    /// Whether `group by` accepts it: text and enumerations, whose values are what a message
    /// is keyed and titled by; not times, durations or numbers.
    var isGroupable: Bool {
        switch type {
        case .string, .enumeration: true
        case .time, .duration, .number: false
        }
    }

    /// `soundId`, `thumbnailUrl`, `postedAt` can be null, and so can `delay` (until posted).
    var isNullable: Bool {
        switch self {
        case .soundId, .thumbnailUrl, .postedAt, .delay: true
        default: false
        }
    }

    var help: String {
        switch self {
        case .delay: "postedAt - scheduledTime"
        case .age: "now - createdAt"
        case .slides: "the number of content URLs"
        case .from: "the previous status, or new"
        case .to: "the new status, or deleted"
        default: rawValue
        }
    }

    static func named(_ name: String) -> Field? { Field(rawValue: name) }
    static var names: [String] { allCases.map(\.rawValue) }
}
