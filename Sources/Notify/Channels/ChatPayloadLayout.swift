import Foundation
import Rules

/// A structured chat layout (``SlackBlockKit``, ``MattermostAttachments``): a notification
/// document as one or more webhook messages, sent in order.
protocol ChatPayloadLayout {
    associatedtype Message: JSONBody
    /// The messages of the document: one, or several when its posts pass a limit.
    func messages() -> [Message]
}

/// A message a channel sends as JSON.
///
/// Written through ``Rules/JSONValue`` rather than `JSONEncoder`: a 50-post Block Kit
/// notification spent most of its time in the encoder's boxing (issue 15's < 1 ms target).
protocol JSONBody {
    var json: JSONValue { get }
}

extension ChatPayloadLayout {
    /// The JSON bodies of the messages, in the order they are sent; keys in the order the
    /// layout writes them, so the same document always gives the same bytes.
    func bodies() -> [Data] {
        messages().map(\.json.data)
    }

    /// `units` (a post's blocks or attachment) in order, in as few groups as keep each group
    /// within `maxCount` (counted by `count`) and `maxSize` characters (counted by `size`). A
    /// unit larger than a limit on its own still gets a group: a post is never dropped.
    static func pack<Unit>(
        _ units: [Unit], count: (Unit) -> Int, size: (Unit) -> Int, maxCount: Int, maxSize: Int
    ) -> [[Unit]] {
        var groups: [[Unit]] = [[]]
        var used = (count: 0, size: 0)
        for unit in units {
            let cost = (count: count(unit), size: size(unit))
            if !groups[groups.count - 1].isEmpty, used.count + cost.count > maxCount || used.size + cost.size > maxSize {
                groups.append([])
                used = (0, 0)
            }
            groups[groups.count - 1].append(unit)
            used = (used.count + cost.count, used.size + cost.size)
        }
        return groups
    }

    /// ` (2/3)` for the messages of a split notification, nothing for a single one.
    static func numbering(_ index: Int, of total: Int) -> String {
        total > 1 ? " (\(index + 1)/\(total))" : ""
    }
}
