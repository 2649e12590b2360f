import Foundation
import GRDB
import Infinipost
import Testing
import TestSupport

/// Maintenance windows, digests and reminders through `check`, with the sandbox and a real
/// webhook receiver. The binary reads the real clock, so time passing is the state file's:
/// the digest time last handled and the last reminder are set back in it, as if the daemon had
/// been down that long.
@Suite(.serialized)
struct ScheduleTests {
    static let rules = """
        channel hook = webhook env:HOOK secret env:HOOK_SECRET
        window "always" {
          every day
          timezone "Europe/Berlin"
        }
        rule "Muted" {
          when failed
          notify hook
          mute during "always"
        }
        rule "Hourly" {
          when failed
          notify hook
          digest every 1h
          title "digest: {{count}} failed"
        }
        rule "Nagging" {
          when failed
          notify hook
          repeat every 1h while failed at most 2 times
          title "failed"
        }
        """

    func titles(_ fixture: Fixture) -> [String] {
        fixture.receiver.requests.compactMap { request in
            (try? JSONSerialization.jsonObject(with: Data(request.text.utf8)) as? [String: Any])
                .flatMap { $0["message"] as? [String: Any] }?["title"] as? String
        }
    }

    /// Moves the state file's clocks back by `seconds`: the digest time last handled, and every
    /// reminder's last message and start.
    func setBack(_ fixture: Fixture, by seconds: TimeInterval) throws {
        let queue = try DatabaseQueue(path: fixture.workspace.state)
        try queue.write { db in
            try db.execute(sql: "UPDATE digest_runs SET sentAt = sentAt - ?", arguments: [seconds])
            for row in try Row.fetchAll(db, sql: "SELECT rule, postId, state FROM reminders") {
                let data: Data = row["state"]
                guard var state = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw TestSupportError("a reminder's state is not a JSON object")
                }
                for key in ["lastNotifiedAt", "since"] {
                    guard let text = state[key] as? String, let date = try? Date(text, strategy: .iso8601) else {
                        throw TestSupportError("a reminder's \(key) is not a time")
                    }
                    state[key] = date.addingTimeInterval(-seconds).ISO8601Format()
                }
                try db.execute(
                    sql: "UPDATE reminders SET state = ? WHERE rule = ? AND postId = ?",
                    arguments: [try JSONSerialization.data(withJSONObject: state), row["rule"] as String, row["postId"] as String])
            }
        }
    }

    @Test func aMutedRuleHoldsADigestCollectsAndAReminderRepeatsUpToItsCap() async throws {
        let fixture = try await Fixture.start()
        try fixture.workspace.writeRules(Self.rules)
        #expect(try await fixture.check().status == 0)
        let post = try fixture.movablePost()
        fixture.sandbox.setStatus(post.postId, to: .failed)
        let failed = try await fixture.check()
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("Held by maintenance windows (not sent):\n  \"Muted\" \(post.postId): window \"always\""), "\(failed.output)")
        // Only "Nagging" sends now: "Muted" is inside its window, "Hourly" collects.
        _ = try await fixture.receiver.waitForRequests(count: 1)
        #expect(titles(fixture) == ["failed"])

        // Down for two hours: two digest times passed, one digest; one reminder is due.
        try setBack(fixture, by: 7200)
        _ = try await fixture.check()
        _ = try await fixture.receiver.waitForRequests(count: 3)
        #expect(Set(titles(fixture).dropFirst()) == ["digest: 1 failed", "🔁 Reminder 1 of 2: Nagging: still failed after 2h"])

        // Restarted at once: nothing more is owed.
        _ = try await fixture.check()
        #expect(fixture.receiver.requests.count == 3)

        // Another hour: the last reminder allowed, then none however long it stays failed.
        try setBack(fixture, by: 3600)
        _ = try await fixture.check()
        _ = try await fixture.receiver.waitForRequests(count: 4)
        #expect(titles(fixture).last == "🔁 Reminder 2 of 2: Nagging: still failed after 3h")
        try setBack(fixture, by: 3600)
        _ = try await fixture.check()
        #expect(fixture.receiver.requests.count == 4)
        #expect(Set(fixture.receiver.requests.compactMap { $0.header("Idempotency-Key") }).count == 4)
        await fixture.finish()
    }

    /// `HH:MM` of `date` in UTC.
    static func utcTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// A window open for the hour around now in UTC, with the process in a timezone 14 hours
    /// away (Kiritimati): read in the process's zone, the window would be shut. The last cycle
    /// set back before the window opened, the next one tells the window's channel it started.
    @Test func aWindowFollowsItsOwnTimezoneNotTheProcesss() async throws {
        let fixture = try await Fixture.start()
        let now = Date()
        try fixture.workspace.writeRules("""
            channel hook = webhook env:HOOK secret env:HOOK_SECRET
            window "this hour" {
              daily \(Self.utcTime(now.addingTimeInterval(-1800)))-\(Self.utcTime(now.addingTimeInterval(1800)))
              timezone "UTC"
              notify hook
            }
            rule "Muted" {
              when failed
              notify hook
              mute during "this hour"
              title "muted"
            }
            rule "Loud" {
              when failed
              notify hook
              title "loud"
            }
            """)
        let zone = ["TZ": "Pacific/Kiritimati"]
        #expect(try await fixture.check(environment: zone).status == 0)
        try await DatabaseQueue(path: fixture.workspace.state).write { try $0.execute(sql: "UPDATE cycles SET startedAt = startedAt - 3600") }
        fixture.sandbox.setStatus(try fixture.movablePost().postId, to: .failed)
        _ = try await fixture.check(environment: zone)
        _ = try await fixture.receiver.waitForRequests(count: 2)
        let sent = titles(fixture)
        #expect(sent.count == 2 && sent.contains("loud"), "\(sent)")
        #expect(sent.contains { $0.hasPrefix("🔧 Maintenance window \"this hour\" started, until ") }, "\(sent)")
        await fixture.finish()
    }
}
