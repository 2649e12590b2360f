import PostwatchApp
import Testing

/// `--since`, `--interval`, `--duration`, `--delivery-timeout`: the rule language's durations,
/// longer than zero, and an error that names the flag and the text.
@Suite struct DurationOptionTests {
    @Test(arguments: [("90s", 90), ("15m", 900), ("1h30m", 5400), ("1d", 86400)])
    func aDurationIsRead(text: String, seconds: Int64) throws {
        #expect(try Duration(option: text, named: "--interval") == .seconds(seconds))
    }

    @Test(arguments: ["", "ten", "10", "-5m", "5 m", "1h 30m", "5y"])
    func aNonDurationNamesTheFlag(text: String) {
        #expect {
            try Duration(option: text, named: "--since")
        } throws: { error in
            let message = (error as? CommandError)?.message ?? ""
            return message.contains("--since '\(text)' is not a duration")
        }
    }

    @Test func zeroIsRefused() {
        #expect {
            try Duration(option: "0s", named: "--interval")
        } throws: { error in
            (error as? CommandError)?.message == "--interval must be longer than 0s (got '0s')"
        }
    }
}
