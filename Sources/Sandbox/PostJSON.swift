import Foundation
import Infinipost

/// Writes JSON exactly as API.md shows it (key order, `null` for missing values), by hand: the
/// sandbox serves 100,000 posts and must never be a benchmark's bottleneck.
enum PostJSON {
    static func encode(_ post: Post) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + post.caption.utf8.count)
        out.append(ascii: "{\"postId\":")
        string(post.postId, into: &out)
        out.append(ascii: ",\"accountId\":")
        string(post.accountId, into: &out)
        out.append(ascii: ",\"platform\":")
        string(post.platform.rawValue, into: &out)
        out.append(ascii: ",\"contentType\":")
        string(post.contentType.rawValue, into: &out)
        out.append(ascii: ",\"contentUrl\":")
        switch post.contentUrl {
        case .single(let url):
            string(url, into: &out)
        case .multiple(let urls):
            out.append(UInt8(ascii: "["))
            for (i, url) in urls.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                string(url, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(ascii: ",\"thumbnailUrl\":")
        optional(post.thumbnailUrl, into: &out)
        out.append(ascii: ",\"caption\":")
        string(post.caption, into: &out)
        out.append(ascii: ",\"soundId\":")
        optional(post.soundId, into: &out)
        out.append(ascii: ",\"timezone\":")
        string(post.timezone, into: &out)
        out.append(ascii: ",\"scheduledTime\":")
        string(InfinipostTime.format(post.scheduledTime), into: &out)
        out.append(ascii: ",\"status\":")
        string(post.status.rawValue, into: &out)
        out.append(ascii: ",\"postedAt\":")
        optional(post.postedAt.map(InfinipostTime.format), into: &out)
        out.append(ascii: ",\"createdAt\":")
        string(InfinipostTime.format(post.createdAt), into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func optional(_ value: String?, into out: inout [UInt8]) {
        if let value { string(value, into: &out) } else { out.append(ascii: "null") }
    }

    /// A JSON string: `"`, `\` and control characters escaped, everything else as UTF-8.
    static func string(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(ascii: "\\\"")
            case UInt8(ascii: "\\"): out.append(ascii: "\\\\")
            case UInt8(ascii: "\n"): out.append(ascii: "\\n")
            case UInt8(ascii: "\r"): out.append(ascii: "\\r")
            case UInt8(ascii: "\t"): out.append(ascii: "\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(ascii: "\\u00")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension [UInt8] {
    mutating func append(ascii text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }
}
