/// Durations as people write them on the command line and in rule files: `90s`, `15m`, `2h`,
/// `1d`, `1h30m`, `250ms`, `1.5s`, and `0`.
extension Duration {
    /// Parses `text`; nil when it is not a duration (empty, unknown unit, a number without a unit,
    /// a negative value, or an overflow).
    ///
    /// ```swift
    /// Duration(parsing: "1h30m")   // .seconds(5400)
    /// Duration(parsing: "20ms")    // .milliseconds(20)
    /// ```
    public init?(parsing text: String) {
        let text = text.trimmingWhitespace()
        if text == "0" {
            self = .zero
            return
        }
        var total: Duration = .zero
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: return nil
            }
            let seconds = value * scale
            // Beyond ~290 years Duration's attoseconds overflow; nobody means that.
            guard seconds < 9e9 else { return nil }
            total += .milliseconds(Int64((seconds * 1000).rounded()))
        }
        self = total
    }

    /// The shortest text `init(parsing:)` reads back: `1h30m`, `250ms`, `0s`.
    public var compactDescription: String {
        var milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        var text = milliseconds < 0 ? "-" : ""
        milliseconds = abs(milliseconds)
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            let count = milliseconds / size
            if count > 0 { text += "\(count)\(unit)" }
            milliseconds %= size
        }
        return text
    }

    /// The duration in seconds, fractions included.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
