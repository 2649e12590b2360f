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
        // The API's own form (`2024-04-22T16:00:00Z`) is read by hand: a page holds 300 times and
        // Foundation's parser costs microseconds each. Anything else goes to Foundation.
        if let date = parseBasic(text) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(
            text,
            strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func format(_ date: Date) -> String {
        formatBasic(date) ?? date.formatted(.iso8601)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` exactly, or nil.
    static func parseBasic(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parseBasic($0) }
    }

    /// `parseBasic` on UTF-8 bytes, so that `PostsPageParser` reads times without making a String.
    static func parseBasic(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<start + count {
                let digit = Int(bytes[i]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second))
    }

    /// Whole seconds (fractions dropped, as Foundation's `.iso8601` does) for years 0001…9999.
    static func formatBasic(_ date: Date) -> String? {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, abs(interval) < 253_402_300_800 else { return nil }
        let seconds = Int(interval.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let time = seconds - days * 86400
        let (year, month, day) = civilFromDays(days)
        guard (1...9999).contains(year) else { return nil }
        var out = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, _ start: Int, _ count: Int) {
            var value = value
            for i in stride(from: start + count - 1, through: start, by: -1) {
                out[i] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(year, 0, 4)
        out[4] = UInt8(ascii: "-")
        put(month, 5, 2)
        out[7] = UInt8(ascii: "-")
        put(day, 8, 2)
        out[10] = UInt8(ascii: "T")
        put(time / 3600, 11, 2)
        out[13] = UInt8(ascii: ":")
        put(time / 60 % 60, 14, 2)
        out[16] = UInt8(ascii: ":")
        put(time % 60, 17, 2)
        out[19] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
