/// Durations as people write them on the command line: `90s`, `15m`, `2h`, `1d`, `1h30m`,
/// `250ms`, `1.5s`, and `0`. Rule files write the same units (``DurationUnit``), in whole seconds.
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
            let symbol = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(symbol.count)
            guard let unit = DurationUnit(rawValue: String(symbol)) else { return nil }
            let milliseconds = value * Double(unit.milliseconds)
            // Beyond ~290 years Duration's attoseconds overflow; nobody means that.
            guard milliseconds < 9e12 else { return nil }
            total += .milliseconds(Int64(milliseconds.rounded()))
        }
        self = total
    }

    /// The shortest text `init(parsing:)` reads back: `1h30m`, `250ms`, `0s`. Rule files print
    /// their durations with it too.
    public var compactDescription: String {
        var milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        var text = milliseconds < 0 ? "-" : ""
        milliseconds = abs(milliseconds)
        for unit in DurationUnit.allCases {
            let count = milliseconds / unit.milliseconds
            if count > 0 { text += "\(count)\(unit.rawValue)" }
            milliseconds %= unit.milliseconds
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
