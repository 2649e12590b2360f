import Foundation
import Infinipost
import Synchronization
import Testing
@testable import Watch

/// The cycle's side of resolution: the router is given the open alerts of the events' posts
/// (only those), and what it opens and closes commits with the cycle, or not at all.
@Suite struct OpenAlertCycleTests {
    let listing = FakeListing()
    let store: SQLiteStore
    let router = AlertRouter()

    init() throws {
        store = try SQLiteStore(path: Fixture.tempPath())
    }

    func alert(_ post: String) -> OpenAlert { OpenAlert(rule: "r", postId: post, channel: "c") }

    @Test func openAlertsReachTheRouterAndItsChangesCommit() async throws {
        listing.put(Fixture.post("p1"), Fixture.post("p2"))
        let poller = Poller(listing: listing, store: store, router: router)
        var now = Fixture.t0
        func cycle() async throws {
            now = now.addingTimeInterval(60)
            _ = try await poller.runOnce(now: now)
        }
        try await cycle()  // the baseline
        listing.setStatus("p1", .failed)
        try await cycle()
        #expect(try await store.openAlerts(forPosts: ["p1", "p2"]) == [alert("p1")])
        #expect(try await store.depth()[.pending] == 1, "the trigger's row, in the same commit")

        listing.setStatus("p2", .failed)
        try await cycle()
        #expect(router.given.withLock { $0.last } == [], "p1 has no event: its alert is not read")

        // A dry run reads the alerts and writes nothing.
        listing.setStatus("p1", .posted)
        _ = try await poller.runOnce(now: now.addingTimeInterval(30), dryRun: true)
        #expect(router.given.withLock { $0.last } == [alert("p1")])
        #expect(try await store.openAlerts(forPosts: ["p1"]) == [alert("p1")])

        try await cycle()
        #expect(router.given.withLock { $0.last } == [alert("p1")])
        #expect(try await store.openAlerts(forPosts: ["p1", "p2"]) == [alert("p2")])
    }
}

/// Opens an alert for each failed post and closes it when the post is posted; remembers the
/// open alerts it was given.
final class AlertRouter: Router {
    let given = Mutex<[Set<OpenAlert>]>([])
    var overdueThresholds: [Int] { [] }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState]) -> Routing {
        route(events, at: now, throttle: throttle, openAlerts: [])
    }

    func route(_ events: [Event], at now: Date, throttle: [ThrottleKey: ThrottleState], openAlerts: Set<OpenAlert>) -> Routing {
        given.withLock { $0.append(openAlerts) }
        var routing = Routing()
        for event in events {
            let alert = OpenAlert(rule: "r", postId: event.post.postId, channel: "c")
            if event.to == "failed" {
                routing.openedAlerts.append(alert)
                routing.notifications.append(Fixture.draft("trigger-\(event.post.postId)-\(event.cycle ?? 0)", channel: "c"))
            } else if event.to == "posted", openAlerts.contains(alert) {
                routing.closedAlerts.append(alert)
                routing.notifications.append(Fixture.draft("resolve-\(event.post.postId)-\(event.cycle ?? 0)", channel: "c"))
            }
        }
        return routing
    }
}
