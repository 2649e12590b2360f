import Timekeeping
import Testing

@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("90s", Duration.seconds(90)), ("15m", .seconds(900)), ("2h", .seconds(7200)), ("1d", .seconds(86400)),
        ("1h30m", .seconds(5400)), ("20ms", .milliseconds(20)), ("0", .zero), ("0ms", .zero), ("1.5s", .milliseconds(1500)),
        (" 2s ", .seconds(2)), ("1m30s250ms", .milliseconds(90_250)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(Duration(parsing: text) == expected)
    }

    @Test(arguments: ["", "s", "5", "-5s", "5x", "1h 30m", "1.2.3s", "ms", "10y", "99999999999d"])
    func rejects(text: String) {
        #expect(Duration(parsing: text) == nil)
    }

    @Test func compactDescriptionReadsBack() {
        for text in ["1h30m", "250ms", "2d3h", "59s", "1m1s1ms"] {
            let duration = Duration(parsing: text)
            #expect(duration?.compactDescription == text)
        }
        #expect(Duration.zero.compactDescription == "0s")
    }
}
