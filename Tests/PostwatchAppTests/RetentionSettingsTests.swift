import Foundation
import PostwatchApp
import Testing

/// `--retention` and POSTWATCH_RETENTION as `Settings` resolves them (issue 11, "Retention").
/// Here because this is the test target that links PostwatchApp.
@Suite struct RetentionSettingsTests {
    func settings(flag: String? = nil, environment: [String: String] = [:]) throws(CommandError) -> Settings {
        var flags = Settings.Flags()
        flags.retention = flag
        return try Settings(flags: flags, environment: environment, requireAPIKey: false)
    }

    @Test func defaultFlagAndEnvironment() throws {
        #expect(try settings().retention == .seconds(30 * 86_400))
        #expect(try settings(flag: "7d").retention == .seconds(7 * 86_400))
        #expect(try settings(environment: ["POSTWATCH_RETENTION": "12h"]).retention == .seconds(12 * 3600))
        #expect(try settings(flag: "1d12h", environment: ["POSTWATCH_RETENTION": "12h"]).retention == .seconds(36 * 3600))
    }

    @Test(arguments: [
        ("30 days", "is not a duration like 12h, 7d or 30d"), ("30", "is not a duration"), ("-1d", "is not a duration"),
        ("1w", "is not a duration"), ("0", "must be longer than 0"), ("0s", "must be longer than 0"),
    ])
    func badValuesAreAConfigurationError(text: String, message: String) {
        for (flag, environment) in [(text, [:]), (nil, ["POSTWATCH_RETENTION": text])] as [(String?, [String: String])] {
            let error = #expect(throws: CommandError.self) { try settings(flag: flag, environment: environment) }
            #expect(error?.status == .configuration)
            #expect(error.map { $0.message.contains("--retention") && $0.message.contains(message) && $0.message.contains(text) } == true, "\(String(describing: error))")
        }
    }
}
