import Foundation
import Testing

@testable import PostwatchApp

/// Which fired rules fail a CI job (`check` exits 1): an alerting match muted on purpose, by a
/// silence or by the rule's own maintenance window, does not; a window on one channel does not
/// mute the rule, and an info rule never counts.
@Suite struct CheckReportExitTests {
    static func report(_ rules: [CheckReport.FiredRule]) -> CheckReport {
        let event = CheckReport.Event(
            kind: "transition", from: "pending_render", to: "failed", postId: "p1", accountId: "acc_1", platform: "tiktok",
            contentType: "video", scheduledTime: Date(timeIntervalSince1970: 0), timezone: "UTC", rules: rules)
        return CheckReport(
            cycle: .init(
                startedAt: Date(timeIntervalSince1970: 0), durationMilliseconds: 1, posts: 1, pages: 1, baseline: false, dryRun: false),
            events: [event], notifications: .init(queued: 0, delivered: 0, pending: 0, dead: 0), exitCode: 0, error: nil)
    }

    @Test func mutedMatchesDoNotFailTheJob() {
        #expect(Self.report([.init(name: "Failed", severity: .critical)]).firedAlerting.map(\.name) == ["Failed"])
        #expect(Self.report([.init(name: "Failed", severity: .critical, silence: 3)]).firedAlerting.isEmpty)
        #expect(Self.report([.init(name: "Failed", severity: .critical, window: "weekend")]).firedAlerting.isEmpty)
        #expect(Self.report([.init(name: "Posted", severity: .info)]).firedAlerting.isEmpty)
        let mixed = Self.report([.init(name: "Muted", severity: .warning, window: "nightly"), .init(name: "Loud", severity: .warning)])
        #expect(mixed.firedAlerting.map(\.name) == ["Loud"])
    }
}
