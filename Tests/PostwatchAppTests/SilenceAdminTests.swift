import Foundation
import Infinipost
import Testing
import Watch

@testable import PostwatchApp

/// What `postwatch silence` prints, on a real state file and a clock that stands still.
@Suite struct SilenceAdminTests {
    let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("silence-admin-\(UUID().uuidString).sqlite").path

    func event(_ id: String, account: String, to: String = "failed", kind: Event.Kind = .transition) -> Event {
        let post = Post(
            postId: id, accountId: account, platform: .tiktok, contentType: .video, contentUrl: .single("https://x/\(id).mp4"), caption: "",
            timezone: "UTC", scheduledTime: clock.now, status: .failed, createdAt: clock.now)
        return Event(kind: kind, from: "pending_render", to: to, post: post, detectedAt: clock.now)
    }

    @Test func addListShowAndExpireAsPrinted() async throws {
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        let admin = SilenceAdmin(store: store, clock: clock)
        #expect(try await admin.listText(all: false, json: false) == "No active or pending silences (see --all for expired ones).\n")
        let added = try await admin.addText(SilenceRequest(
            matcher: #"accountId = "acc_1""#, duration: .seconds(5_400), comment: "TikTok outage", author: "ana"))
        #expect(added.hasPrefix(#"Silence 1 added: mutes accountId = "acc_1" until 2027-01-15 09:30:00Z (1h30m), from the next cycle on."#))
        let list = try await admin.listText(all: false, json: false)
        #expect(list.contains("1   active  accountId = \"acc_1\"  2027-01-15 08:00:00Z  2027-01-15 09:30:00Z  ana     TikTok outage"), "\(list)")

        // What the cycles muted, as `show` sums it up: by rule, then most first.
        var commit = CycleCommit(cycle: CycleRecord(startedAt: clock.now, endedAt: clock.now, result: .complete))
        commit.silenced = [
            SilencedEvent(rule: "Failed posts", silenceId: 1, event: event("p1", account: "acc_1")),
            SilencedEvent(rule: "Failed posts", silenceId: 1, event: event("p2", account: "acc_1")),
            SilencedEvent(rule: "Failed posts", silenceId: 1, event: event("p3", account: "acc_1", to: "generated", kind: .overdue)),
            SilencedEvent(rule: "All changes", silenceId: 1, event: event("p1", account: "acc_1")),
        ]
        try await store.commit(commit)
        let shown = try await admin.showText(id: 1, json: false)
        #expect(shown.contains("  muted:    4 matched event(s), recorded in the state file\n"
            + "    All changes: 1 failed on acc_1\n"
            + "    Failed posts: 2 failed on acc_1, 1 overdue on acc_1\n"), "\(shown)")
        #expect(try await admin.showText(id: 1, json: true).contains(#""silencedEvents" : 4"#))

        #expect(try await admin.expireText(id: 1) == "Silence 1 expired: events it matched are notified again from the next cycle.\n")
        #expect(try await admin.expireText(id: 1).contains("had already ended"))
        #expect(try await admin.listText(all: true, json: false).contains("1   expired"))
        await #expect(throws: CommandError.self) { try await admin.expireText(id: 2) }
    }
}
