import Foundation
import Infinipost
import Synchronization
import Testing
@testable import Watch

/// The cycle's side of silences: every cycle reads the silences active at its time from the
/// store (one added by another process counts from the next cycle), and the muted events the
/// router hands back commit with the cycle, or not at all.
@Suite struct SilenceCycleTests {
    let listing = FakeListing()
    let path = Fixture.tempPath()
    let store: SQLiteStore
    let router = MutingRouter()

    init() throws {
        store = try SQLiteStore(path: path)
    }

    @Test func activeSilencesReachTheRouterEachCycleAndMutedEventsCommit() async throws {
        listing.put(Fixture.post("p1"), Fixture.post("p2", account: "acc_2"), Fixture.post("p3"))
        let poller = Poller(listing: listing, store: store, router: router)
        var now = Fixture.t0
        func cycle(dryRun: Bool = false) async throws -> CycleReport {
            now = now.addingTimeInterval(60)
            return try await poller.runOnce(now: now, dryRun: dryRun)
        }
        _ = try await cycle()  // the baseline
        // Added through another connection to the file, as `postwatch silence add` does.
        let other = try SQLiteStore(path: path)
        let silence = try await other.addSilence(SilenceDraft(
            matcher: "acc_1", startsAt: Fixture.t0, endsAt: Fixture.t0.addingTimeInterval(3_600), createdAt: Fixture.t0,
            author: "ana", comment: "outage"))
        _ = try await other.addSilence(SilenceDraft(
            matcher: "acc_2", startsAt: Fixture.t0.addingTimeInterval(1_800), endsAt: Fixture.t0.addingTimeInterval(3_600),
            createdAt: Fixture.t0, author: "ana", comment: "later"))

        listing.setStatus("p1", .failed)
        listing.setStatus("p2", .failed)
        let report = try await cycle()
        #expect(router.given.withLock { $0.last } == [silence.id], "the active one only: the other is pending")
        #expect(report.silenced.map(\.event.post.postId) == ["p1"])
        #expect(report.drafts.map(\.idempotencyKey) == ["p2"])
        let recorded = try await store.silencedEvents(silenceId: silence.id, limit: 10)
        #expect(recorded.map(\.postId) == ["p1"] && recorded.first?.cycleId == 2)

        // A dry run mutes the same way and records nothing.
        listing.setStatus("p3", .failed)
        let dry = try await cycle(dryRun: true)
        #expect(dry.silenced.map(\.event.post.postId) == ["p3"])
        #expect(try await store.silencedEvents(silenceId: nil, limit: 10).count == 1)

        // Expired by another process: the next cycle mutes nothing.
        _ = try await other.expireSilence(id: silence.id, at: now)
        let after = try await cycle()
        #expect(router.given.withLock { $0.last } == [])
        #expect(after.silenced.isEmpty && after.drafts.map(\.idempotencyKey) == ["p3"])
    }

    /// A silence with `summary` that ends: the next cycle hands it to the router with what it
    /// muted, the commit marks it summarised, and no later cycle hands it again.
    @Test func anEndedSilenceReachesTheRouterOnceForItsSummary() async throws {
        listing.put(Fixture.post("p1"))
        let poller = Poller(listing: listing, store: store, router: router)
        _ = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(60))
        let silence = try await store.addSilence(SilenceDraft(
            matcher: "acc_1", startsAt: Fixture.t0, endsAt: Fixture.t0.addingTimeInterval(600), createdAt: Fixture.t0,
            author: "ana", comment: "outage", summary: true))
        listing.setStatus("p1", .failed)
        let muted = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(120))
        #expect(muted.silenced.count == 1)
        _ = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(700))
        _ = try await poller.runOnce(now: Fixture.t0.addingTimeInterval(760))
        #expect(router.ended.withLock { $0 } == [[], [], [silence.id], []])
    }
}

/// Mutes every event whose account is the matcher text of an active silence (the rule language
/// is Notify's business; here the text is the account); remembers the silence ids it was given.
final class MutingRouter: Router {
    let given = Mutex<[[Int64]]>([])
    /// The ended silences owing a summary each call was given.
    let ended = Mutex<[[Int64]]>([])
    var overdueThresholds: [Int] { [] }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: [], silences: [], scheduled: ScheduledState())
    }

    func route(
        _ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>,
        silences: [Silence], scheduled: ScheduledState
    ) -> Routing {
        given.withLock { $0.append(silences.map(\.id)) }
        ended.withLock { $0.append(scheduled.endedSilences.map(\.silence.id)) }
        var routing = Routing()
        routing.summarizedSilences = scheduled.endedSilences.map(\.silence.id)
        for event in events {
            if let silence = silences.first(where: { $0.matcher == event.post.accountId }) {
                routing.silenced.append(SilencedEvent(rule: "r", silenceId: silence.id, event: event))
            } else {
                routing.notifications.append(Fixture.draft(event.post.postId))
            }
        }
        return routing
    }
}
