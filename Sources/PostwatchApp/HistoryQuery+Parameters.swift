import Foundation
import Timekeeping
import Watch

extension HistoryQuery {
    /// The names a history query is written with: `postwatch history`'s options without their
    /// dashes, and `GET /api/v1/history`'s query parameters (`?post=…&since=24h&limit=50`).
    public static let parameterNames: Set<String> = ["post", "rule", "channel", "since", "limit"]

    /// The query `parameters` ask for, checked the same for the command line and the HTTP API:
    /// `since` is a duration back from `now` (`24h`), `limit` a whole number from 1 to
    /// ``maxLimit`` (default 100). An unknown name, an empty value or a bad one is an error
    /// naming it (`--since` on the command line, `since` in a URL: `option` spells it).
    ///
    /// ```swift
    /// let query = try HistoryQuery(parameters: ["post": "post_1", "since": "24h"], now: clock.now)
    /// ```
    public init(
        parameters: [String: String], now: Date, option: (String) -> String = { "--\($0)" }
    ) throws(CommandError) {
        for name in parameters.keys.sorted() where !Self.parameterNames.contains(name) {
            let known = Self.parameterNames.sorted().map(option).joined(separator: ", ")
            throw CommandError(.configuration, "unknown history filter \(option(name)) (known: \(known))")
        }
        for (name, value) in parameters where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CommandError(.configuration, "\(option(name)) needs a value")
        }
        self.init(postId: parameters["post"], rule: parameters["rule"], channel: parameters["channel"])
        if let text = parameters["since"] {
            since = now.addingTimeInterval(-(try Duration(option: text, named: option("since"))).secondsValue)
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...Self.maxLimit).contains(limit) else {
                throw CommandError(.configuration, "\(option("limit")) must be a whole number from 1 to \(Self.maxLimit), not '\(text)'")
            }
            self.limit = limit
        }
    }

    /// The most rows one query returns.
    public static let maxLimit = 10_000
}
