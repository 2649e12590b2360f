import Foundation

/// The sandbox's cursor: the unpadded base64 of the last postId of a page, as in API.md's
/// example (`cG9zdF9hYmMxMjM` = `post_abc123`), written with the URL-safe alphabet so that it can
/// go into a query string untouched.
enum PageCursor {
    static func encode(lastPostId: String) -> String {
        Data(lastPostId.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The postId a cursor names, or nil when it is not one of ours.
    static func decode(_ cursor: String) -> String? {
        guard !cursor.isEmpty, cursor.utf8.count <= 400 else { return nil }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard text.utf8.allSatisfy({ $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") || isAlphanumeric($0) }) else {
            return nil
        }
        switch text.utf8.count % 4 {
        case 1: return nil
        case 2: text += "=="
        case 3: text += "="
        default: break
        }
        guard let data = Data(base64Encoded: text), let id = String(data: data, encoding: .utf8) else { return nil }
        // Only a cursor this sandbox could have written: printable text, not arbitrary bytes.
        guard id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard encode(lastPostId: id) == cursor.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") else {
            return nil
        }
        return id
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
