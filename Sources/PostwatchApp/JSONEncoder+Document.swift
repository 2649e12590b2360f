import Foundation

extension JSONEncoder {
    /// The encoder of the documents postwatch prints (`check --output json`, `history --output
    /// json`): indented, keys sorted, ISO 8601 times, slashes left as they are.
    static func document() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
