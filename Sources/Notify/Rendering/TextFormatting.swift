import Foundation
import Synchronization
import Timekeeping

/// Small, locale-independent formatting of times, durations and long text for messages.
enum TextFormatting {
    /// `12s`, `4m 10s`, `1h 5m`, `2d 3h`: the two largest units.
    static func duration(seconds: Int) -> String {
        var rest = abs(seconds)
        let units: [(String, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var parts: [String] = []
        for (name, size) in units where rest >= size || (size == 1 && parts.isEmpty) {
            parts.append("\(rest / size)\(name)")
            rest %= size
            if parts.count == 2 || rest == 0 { break }
        }
        return parts.joined(separator: " ")
    }

    /// `Mon 22 Apr 2024 12:00 EDT` in the zone named `timezone` (UTC when the name is unknown).
    ///
    /// What `DateFormatter` writes with `EEE d MMM yyyy HH:mm zzz` in `en_US_POSIX`, without a
    /// formatter per call: the date and time by the civil calendar's arithmetic at the zone's
    /// offset, and the zone's name (`EDT`, `GMT+2`) formatted once per zone and offset. ICU's
    /// formatting was a quarter of a 50-post Block Kit message's time. Outside 1900…2199 (no
    /// post is scheduled there) the formatter does it all.
    static func local(_ date: Date, timezone: String) -> String {
        let zone = Self.zone(named: timezone)
        let offset = zone.secondsFromGMT(for: date)
        guard (-2_208_988_800.0..<7_258_118_400.0).contains(date.timeIntervalSince1970) else { return format(date, zone: zone, pattern: localPattern) }
        let (day, weekday, hour, minute) = LocalDate.civil(date, offset: offset)
        let name = zoneNames.withLock { names in
            let key = ZoneOffset(zone: zone.identifier, offset: offset, daylight: zone.isDaylightSavingTime(for: date))
            if let name = names[key] { return name }
            let name = format(date, zone: zone, pattern: "zzz")
            // Zones come from posts: a bound keeps hostile data from growing the table.
            if names.count >= 1_024 { names.removeAll() }
            names[key] = name
            return name
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdayNames[weekday - 1]) \(day.day) \(monthNames[day.month - 1]) \(day.year) \(two(hour)):\(two(minute)) \(name)"
    }

    static let localPattern = "EEE d MMM yyyy HH:mm zzz"
    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A zone's name depends on the zone and which of its offsets is in force.
    struct ZoneOffset: Hashable {
        let zone: String
        let offset: Int
        let daylight: Bool
    }

    private static let zoneNames = Mutex<[ZoneOffset: String]>([:])
    private static let zones = Mutex<[String: TimeZone]>([:])

    /// The zone of that name (UTC when unknown), looked up once per name: making a `TimeZone`
    /// asks ICU each time.
    static func zone(named name: String) -> TimeZone {
        zones.withLock { zones in
            if let zone = zones[name] { return zone }
            let zone = TimeZone(identifier: name) ?? TimeZone(secondsFromGMT: 0) ?? .current
            if zones.count >= 1_024 { zones.removeAll() }
            zones[name] = zone
            return zone
        }
    }

    /// `2026-11-29 12:00 UTC`.
    static func utc(_ date: Date) -> String {
        format(date, zone: TimeZone(secondsFromGMT: 0) ?? .current, pattern: "yyyy-MM-dd HH:mm 'UTC'")
    }

    static func format(_ date: Date, zone: TimeZone, pattern: String) -> String {
        // Making a DateFormatter costs far more than formatting with one (ICU loads the zone and
        // the pattern): a 50-post Block Kit message made 50 of them. One per zone and pattern,
        // used under the lock (a formatter is not safe to share between threads).
        formatters.withLock { formatters in
            let key = zone.identifier + "|" + pattern
            if let formatter = formatters[key] { return formatter.string(from: date) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = pattern
            // Zones and patterns come from posts: a bound keeps hostile data from growing it.
            if formatters.count >= 256 { formatters.removeAll() }
            formatters[key] = formatter
            return formatter.string(from: date)
        }
    }

    private static let formatters = Mutex<[String: DateFormatter]>([:])

    /// One line (control characters and runs of white space become one space), at most `limit`
    /// characters, cut on a character boundary with `…`.
    static func shortened(_ text: String, limit: Int) -> String {
        let line = oneLine(text)
        guard line.count > limit else { return line }
        return String(line.prefix(max(limit - 1, 0))).trimmingCharacters(in: .whitespaces) + "…"
    }

    /// Control characters (CR, LF, tabs, …) and white space runs as single spaces; bidi
    /// embedding, override and isolate controls removed.
    static func oneLine(_ text: String) -> String {
        // Most values (ids, statuses, one-line captions) are printable ASCII with single spaces
        // inside: they come back as they are, after one byte scan.
        if isOneLineASCII(text) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            // U+202A–U+202E and U+2066–U+2069 reorder what follows them (a caption could show
            // `txt.exe` as `exe.txt`, or reverse the rest of a chat line or a mail subject).
            // They are invisible, so they are dropped rather than turned into a space.
            let isSpace: Bool
            if scalar.isASCII {
                // ASCII's white space and controls are exactly 0x00–0x20 and 0x7F: no Unicode
                // property lookup (the costliest step of rendering a post) for most text.
                isSpace = scalar.value <= 0x20 || scalar.value == 0x7F
            } else {
                if isBidiControl(scalar) { continue }
                isSpace = scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
                    || scalar == "\u{2028}" || scalar == "\u{2029}"
            }
            if isSpace {
                if !lastWasSpace { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        // Every white space is a single " " by now: dropping one at each end trims the line
        // (`trimmingCharacters` goes through NSString, the slowest step of rendering a post).
        if out.hasSuffix(" ") { out.removeLast() }
        if out.hasPrefix(" ") { out.removeFirst() }
        return out
    }

    /// Printable ASCII, no space at either end and never two in a row: what ``oneLine(_:)``
    /// leaves unchanged.
    static func isOneLineASCII(_ text: String) -> Bool {
        var previous = UInt8(ascii: " ")
        for byte in text.utf8 {
            guard byte > 0x20 && byte < 0x7F || byte == 0x20 && previous != 0x20 else { return false }
            previous = byte
        }
        return previous != 0x20 || text.isEmpty
    }

    /// LRE, RLE, PDF, LRO, RLO (U+202A–U+202E) and LRI, RLI, FSI, PDI (U+2066–U+2069).
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// A plural phrase: `1 post`, `3 posts`.
    static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) \(n == 1 ? singular : plural)"
    }
}
