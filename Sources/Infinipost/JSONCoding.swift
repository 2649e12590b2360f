import Foundation

extension JSONDecoder {
    /// A decoder for the API's documents: ISO 8601 times in UTC, with or without fractional seconds.
    public static func infinipost() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = InfinipostTime.parse(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an ISO 8601 time: \(text.prefix(40))")
        }
        return decoder
    }
}

extension JSONEncoder {
    /// An encoder writing times as the API does (`2024-04-22T16:00:00Z`).
    public static func infinipost() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(InfinipostTime.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}

/// ISO 8601 UTC times as the API writes them.
public enum InfinipostTime {
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(
            text,
            strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
