import Foundation

/// Says in a few words what an answer that is not the documented JSON looked like, for
/// `bad_response` messages: "response was not JSON (text/html, 1.2 KB)".
enum ResponseDiagnosis {
    /// Why `body` is not a posts page, given the decoder's error.
    static func describe(body: Data, contentType: String?, decodingError: any Error) -> String {
        let size = byteCount(body.count)
        let kind = contentType.map(mediaType) ?? "no content type"
        guard let first = body.first(where: { !isWhitespace($0) }) else {
            return body.isEmpty ? "response body was empty" : "response body was only whitespace (\(size))"
        }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            return "response was not JSON (\(kind), \(size))"
        }
        switch decodingError {
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            return "response was not valid JSON, cut short or malformed (\(kind), \(size))"
        case DecodingError.keyNotFound(let key, let context):
            return "response JSON is not a posts page: \(path(context.codingPath + [key])) is missing (\(size))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "response JSON is not a posts page: \(path(context.codingPath)) has the wrong type (\(size))"
        case DecodingError.dataCorrupted(let context):
            return "response JSON is not a posts page: \(path(context.codingPath)): \(context.debugDescription.prefix(80)) (\(size))"
        default:
            return "response could not be read (\(kind), \(size))"
        }
    }

    /// What a non-JSON error answer was, for messages about unexpected statuses.
    static func shortDescription(body: Data, contentType: String?) -> String {
        let kind = contentType.map(mediaType) ?? "no content type"
        return "\(kind), \(byteCount(body.count))"
    }

    /// `data[3].status`
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "the document" : "'\(text)'"
    }

    /// `text/html; charset=utf-8` → `text/html`
    static func mediaType(_ contentType: String) -> String {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return type.isEmpty ? "no content type" : String(type.prefix(60))
    }

    /// `512 B`, `1.2 KB`, `3.4 MB`
    static func byteCount(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1024 * 1024 { return String(format: "%.1f KB", Double(count) / 1024) }
        return String(format: "%.1f MB", Double(count) / 1024 / 1024)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
