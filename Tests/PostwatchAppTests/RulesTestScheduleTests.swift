import Foundation
import PostwatchApp
import Testing

/// `rules test` says what a maintenance window, a digest and a reminder do with an event at
/// its `now`, so a rule file can be tried before the weekend it is written for.
@Suite struct RulesTestScheduleTests {
    static let rules = """
        channel ops = console
        channel pager = console mute during "night"
        window "weekend" {
          every sat, sun
          timezone "Europe/Berlin"
        }
        window "night" {
          daily 22:00-12:00
          timezone "Europe/Berlin"
        }
        rule "Weekdays only" {
          when failed
          notify ops
          mute during "weekend"
        }
        rule "Digest" {
          when failed
          notify ops, pager
          digest at 09:00, 17:00 Europe/Berlin
          repeat every 1h while failed at most 3 times
        }
        """

    @Test func windowsDigestsAndRemindersAreShownAtTheEventsTime() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schedules-\(UUID().uuidString).rules")
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.rules.write(to: file, atomically: true, encoding: .utf8)
        // Sunday 2026-03-29 11:05 in Berlin (CEST since 02:00 that night).
        let event = CommandTests.events.appendingPathComponent("failed-on-a-sunday.json").path
        let output = RulesTest.run(.init(path: file.path, eventFiles: [event], environment: [:]))
        #expect(output.stdout.contains("""
              fires "Weekdays only" (warning) -> ops
                held: window "weekend" until 2026-03-30T00:00:00+02:00
              fires "Digest" (warning) -> ops, pager
                collected for the digest at 2026-03-29T17:00:00+02:00 (one message per group)
                reminded every 1h while failed, at most 3 times
            """), "\(output.stdout)")
        #expect(output.stdout.contains("[pager] held: window \"night\" until 2026-03-29T12:00:00+02:00"), "\(output.stdout)")
        #expect(output.exitCode == 1)
    }
}
