import Curl
import Foundation
import Rules
import TestSupport
import Testing
import Watch

@testable import Notify

/// Routing, stage 4 (resolve): alerts open when their trigger is queued, close with the first
/// resolving event, and a resolve goes only where a trigger went, once.
@Suite struct ResolutionsTests {
    let t0 = Fixtures.t0
    static let kinds: [String: ChannelKind] = ["oncall": .pagerduty, "ops": .slack]

    func router(_ rules: Rule...) -> NotificationRouter {
        NotificationRouter(rules: rules, channelKinds: Self.kinds)
    }

    func documents(_ routing: Routing) throws -> [NotificationDocument] {
        try routing.notifications.map { try NotificationDocument.decode($0.payload) }
    }

    func alert(_ rule: String = "Failed", _ post: String = "p1", _ channel: String = "oncall") -> OpenAlert {
        OpenAlert(rule: rule, postId: post, channel: channel)
    }

    func posted(_ id: String = "p1", cycle: Int64 = 2) -> Event {
        var event = Fixtures.event(id, from: "failed", to: "posted", detectedAt: t0.addingTimeInterval(600))
        event.cycle = cycle
        return event
    }

    func failed(_ id: String = "p1", cycle: Int64 = 1, at: TimeInterval = 60) -> Event {
        var event = Fixtures.event(id, detectedAt: t0.addingTimeInterval(at))
        event.cycle = cycle
        return event
    }

    @Test func aPagerDutyTriggerOpensAnAlertAndPostedResolvesIt() throws {
        let router = router(Fixtures.rule(channels: ["oncall"]))
        let first = router.route([failed()], at: t0, throttle: [:], openAlerts: [])
        #expect(first.openedAlerts == [alert()])
        #expect(try documents(first).map(\.action) == [nil])
        let second = router.route([posted()], at: t0.addingTimeInterval(600), throttle: [:], openAlerts: [alert()])
        let resolve = try #require(try documents(second).first)
        #expect(second.notifications.count == 1)
        #expect(resolve.action == .resolve && resolve.channel == "oncall" && resolve.events.map(\.post.postId) == ["p1"])
        #expect(second.closedAlerts == [alert()] && second.openedAlerts.isEmpty)
        #expect(second.fired == [[]], "a resolve is not a rule firing")
    }

    @Test func noResolveWithoutAnOpenAlertAndNeverTwice() throws {
        let router = router(Fixtures.rule(channels: ["oncall"]))
        #expect(router.route([posted()], at: t0, throttle: [:], openAlerts: []).notifications.isEmpty)
        // The same post resolving twice in one routing (posted, then deleted) closes once.
        var deleted = Fixtures.event("p1", from: "posted", to: "deleted", kind: .deleted)
        deleted.cycle = 3
        let twice = router.route([posted(), deleted], at: t0, throttle: [:], openAlerts: [alert()])
        #expect(twice.notifications.count == 1)
        #expect(try documents(twice).first?.events.count == 1)
    }

    @Test func theEventThatFiresTheRuleNeverResolvesIt() {
        let router = router(Fixtures.rule(channels: ["oncall"]))
        let again = router.route([failed(cycle: 5)], at: t0, throttle: [:], openAlerts: [alert()])
        #expect(again.closedAlerts.isEmpty && again.openedAlerts.isEmpty, "already open: stays open")
        #expect(again.notifications.count == 1)
    }

    @Test func chatChannelsResolveOnlyWhenTheRuleSaysSo() throws {
        let plain = router(Fixtures.rule(channels: ["ops"]))
        #expect(plain.route([failed()], at: t0, throttle: [:], openAlerts: []).openedAlerts.isEmpty)
        #expect(plain.route([posted()], at: t0, throttle: [:], openAlerts: [alert("Failed", "p1", "ops")]).notifications.isEmpty)

        let opted = router(Fixtures.rule(channels: ["ops"], extra: "  resolve when posted\n"))
        #expect(opted.route([failed()], at: t0, throttle: [:], openAlerts: []).openedAlerts == [alert("Failed", "p1", "ops")])
        let routing = opted.route([posted()], at: t0, throttle: [:], openAlerts: [alert("Failed", "p1", "ops")])
        let document = try #require(try documents(routing).first)
        #expect(document.action == .resolve)
        #expect(document.message.title == "✅ Resolved: Failed: 1 post posted", "\(document.message.title)")
    }

    /// The chat follow-up as Slack receives it: short, the post escaped like any message.
    @Test func aChatResolveIsAShortEscapedFollowUp() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let router = router(Fixtures.rule(channels: ["ops"], extra: "  resolve when posted\n"))
        var event = posted()
        event.post.caption = "<!channel> fixed & live"
        let routing = router.route([event], at: t0, throttle: [:], openAlerts: [alert("Failed", "p1", "ops")])
        let document = try #require(try documents(routing).first)
        try await ChatChannel(name: "ops", kind: .slack, url: receiver.url("/hook"), transport: CurlTransport(), layout: .text).send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        let text = try #require((try JSONSerialization.jsonObject(with: request.body) as? [String: Any])?["text"] as? String)
        #expect(text.hasPrefix("*✅ Resolved: Failed: 1 post posted*"), "\(text)")
        #expect(text.contains("&lt;!channel&gt; fixed &amp; live") && !text.contains("<!channel>"), "\(text)")
        // In Block Kit (Slack's default) the follow-up is headed the same, the caption as safe.
        let blocks = ChatChannel(name: "ops", kind: .slack, url: receiver.url("/hook"), transport: CurlTransport()).bodies(for: document)
        let json = String(decoding: try #require(blocks.first), as: UTF8.self)
        #expect(json.contains("✅ Resolved: Failed: 1 post posted") && !json.contains("<!channel>"), "\(json)")
    }

    @Test func resolveNeverTurnsPagerDutysDefaultOff() {
        let router = router(Fixtures.rule(channels: ["oncall"], extra: "  resolve never\n"))
        #expect(router.route([failed()], at: t0, throttle: [:], openAlerts: []).openedAlerts.isEmpty)
        #expect(router.route([posted()], at: t0, throttle: [:], openAlerts: [alert()]).notifications.isEmpty)
    }

    @Test func anOverdueAlertResolvesWhenThePostIsNoLongerStuck() throws {
        let rule = Fixtures.rule("Stuck", when: "overdue 30m", channels: ["oncall"])
        #expect(rule.resolveTriggers(for: .pagerduty) == [.transition(from: nil, to: "posted"), .transition(from: nil, to: "failed"), .deleted])
        let router = router(rule)
        var overdue = Fixtures.event("p1", from: "generated", to: "generated", kind: .overdue)
        overdue.cycle = 1
        #expect(router.route([overdue], at: t0, throttle: [:], openAlerts: []).openedAlerts == [alert("Stuck")])
        let failed = router.route([failed(cycle: 2)], at: t0, throttle: [:], openAlerts: [alert("Stuck")])
        #expect(try documents(failed).map(\.action) == [.resolve])
    }

    /// A trigger held by the throttle opens nothing; a resolve that comes meanwhile waits in
    /// the throttle state and goes right after the held message.
    @Test func aHeldTriggerIsResolvedRightAfterItGoesOut() throws {
        let router = router(Fixtures.rule(channels: ["oncall"], throttle: .seconds(900)))
        let key = ThrottleKey(rule: "Failed", group: "")
        let sent = ThrottleState(lastSentAt: t0)
        let held = router.route([failed(cycle: 1)], at: t0.addingTimeInterval(60), throttle: [key: sent], openAlerts: [])
        #expect(held.notifications.isEmpty && held.openedAlerts.isEmpty)
        let heldState = try #require(held.throttle[key] ?? nil)

        let resolvedWhileHeld = router.route([posted(cycle: 2)], at: t0.addingTimeInterval(120), throttle: [key: heldState], openAlerts: [])
        #expect(resolvedWhileHeld.notifications.isEmpty, "nothing to resolve yet: the trigger has not gone out")
        let waiting = try #require(resolvedWhileHeld.throttle[key] ?? nil)
        #expect(waiting.resolving?.map(\.to) == ["posted"] && waiting.held.count == 1)

        let release = router.route([], at: t0.addingTimeInterval(900), throttle: [key: waiting], openAlerts: [])
        #expect(try documents(release).map(\.action) == [nil, .resolve])
        #expect(release.openedAlerts.isEmpty && release.closedAlerts.isEmpty, "opened and closed in one cycle: nothing to store")
    }

    /// A post that fails again after the resolve that waited is in trouble again: no resolve.
    @Test func aWaitingResolveIsDroppedWhenThePostFiredAgainAfterIt() throws {
        let router = router(Fixtures.rule(channels: ["oncall"], throttle: .seconds(900)))
        let key = ThrottleKey(rule: "Failed", group: "")
        let state = ThrottleState(
            lastSentAt: t0, held: [failed(cycle: 1), failed(cycle: 3, at: 300)], heldSince: t0, resolving: [posted(cycle: 2)])
        let release = router.route([], at: t0.addingTimeInterval(900), throttle: [key: state], openAlerts: [])
        #expect(try documents(release).map(\.action) == [nil])
        #expect(release.openedAlerts == [alert()])
    }

    /// Two held messages of one rule (two groups) that both carry the post, released together
    /// with the resolve that waited in each: one resolve.
    @Test func aResolveWaitingInTwoGroupsIsSentOnce() throws {
        let router = router(Fixtures.rule(channels: ["oncall"], groupBy: ["from"], throttle: .seconds(900)))
        var fromGenerated = failed(cycle: 1)
        fromGenerated.from = "generated"
        let states = [
            ThrottleKey(rule: "Failed", group: "from=generated"): ThrottleState(
                lastSentAt: t0, held: [fromGenerated], heldSince: t0, resolving: [posted(cycle: 4)]),
            ThrottleKey(rule: "Failed", group: "from=pending_render"): ThrottleState(
                lastSentAt: t0, held: [failed(cycle: 3)], heldSince: t0, resolving: [posted(cycle: 4)]),
        ]
        let release = router.route([], at: t0.addingTimeInterval(900), throttle: states, openAlerts: [])
        let documents = try documents(release)
        #expect(documents.map(\.action) == [nil, nil, .resolve])
        #expect(documents.last?.events.count == 1)
        #expect(release.openedAlerts.isEmpty)
    }

    /// A reload that removes a rule leaves its open alerts as they are: nothing here names them.
    @Test func alertsOfARuleNoLongerLoadedAreLeftAlone() {
        let router = router(Fixtures.rule("Other", channels: ["oncall"]))
        let routing = router.route([posted()], at: t0, throttle: [:], openAlerts: [alert("Gone")])
        #expect(routing.notifications.isEmpty && routing.closedAlerts.isEmpty && routing.openedAlerts.isEmpty)
    }

    /// A re-run cycle (a crash before its commit) queues the very same resolve key, which is
    /// never a trigger's key.
    @Test func resolveKeysAreStableAndApartFromTriggers() {
        let router = router(Fixtures.rule(channels: ["oncall"]))
        let once = router.route([posted()], at: t0, throttle: [:], openAlerts: [alert()])
        let again = router.route([posted()], at: t0.addingTimeInterval(5), throttle: [:], openAlerts: [alert()])
        #expect(once.notifications.map(\.idempotencyKey) == again.notifications.map(\.idempotencyKey))
        let trigger = router.route([failed()], at: t0, throttle: [:], openAlerts: [])
        #expect(Set(trigger.notifications.map(\.idempotencyKey)).isDisjoint(with: once.notifications.map(\.idempotencyKey)))
    }

    /// Each channel keeps its own alerts: a resolve goes where a trigger went.
    @Test func aResolveGoesOnlyToTheChannelsWhoseAlertIsOpen() throws {
        let rule = Fixtures.rule(channels: ["oncall", "ops"], extra: "  resolve when posted\n")
        let routing = router(rule).route([posted()], at: t0, throttle: [:], openAlerts: [alert("Failed", "p1", "ops")])
        #expect(try documents(routing).map(\.channel) == ["ops"])
    }
}
