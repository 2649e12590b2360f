import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// Generated histories through the router, cycle after cycle, as the poller and the store run
/// it (only the alerts of each cycle's posts loaded, net changes applied, throttle states
/// kept), checked against a small model written apart from the router: per rule, post and
/// channel, an alert is open after an event that fires the rule and closed after one that
/// resolves it.
///
/// Checked for every history: the stream of a (rule, post, channel) never starts with a
/// resolve and never has two resolves in a row; once the throttles have let everything out,
/// the alerts open in the store are exactly the model's, and the last thing each one was sent
/// agrees with it (a trigger is resolved iff the post reached a resolving state after it).
@Suite struct ResolutionHistoryTests {
    static let rules = """
        channel oncall = console
        channel ops = console
        rule "Failed, throttled" {
          when failed
          notify oncall
          group by accountId
          throttle 10m
        }
        rule "Stuck" {
          when overdue 30m
          notify oncall
        }
        rule "Failed to chat" {
          when failed
          notify ops
          resolve when posted
        }
        rule "Both" {
          when failed, new -> failed
          notify ops, oncall
          throttle 20m
          resolve when posted, deleted
        }
        rule "Silent" {
          when failed
          notify oncall
          resolve never
        }
        """

    /// Which rule fires and which resolves, per rule name and channel kind: the model's own
    /// reading of the rules above, not the router's.
    static func fires(_ rule: String, _ event: Event) -> Bool {
        switch rule {
        case "Stuck": event.kind == .overdue
        default: event.kind == .transition && event.to == "failed"
        }
    }

    static func resolves(_ rule: String, channel: String, _ event: Event) -> Bool {
        let to = event.kind == .deleted ? "deleted" : event.kind == .transition ? event.to : ""
        switch (rule, channel) {
        case ("Failed, throttled", "oncall"): return to == "posted" || to == "deleted"
        case ("Stuck", "oncall"): return to == "posted" || to == "failed" || to == "deleted"
        case ("Failed to chat", "ops"): return to == "posted"
        case ("Both", _): return to == "posted" || to == "deleted"
        default: return false
        }
    }

    static let channelsOf = [
        "Failed, throttled": ["oncall"], "Stuck": ["oncall"], "Failed to chat": ["ops"], "Both": ["ops", "oncall"],
        "Silent": [String](),
    ]

    struct Key: Hashable, CustomStringConvertible {
        var rule: String, post: String, channel: String
        var description: String { "\(rule)/\(post)/\(channel)" }
    }

    /// What a history went through, so that the histories are known to reach every path.
    struct Paths {
        var resolves = 0
        var waitedBehindAThrottle = 0
    }

    @Test(arguments: 0..<40)
    func generatedHistory(_ seed: UInt64) throws {
        _ = try Self.replay(seed)
    }

    /// Every path is taken by some history: resolves, and resolves that waited for a held trigger.
    @Test func theHistoriesReachEveryPath() throws {
        var total = Paths()
        for seed in UInt64(0)..<40 {
            let paths = try Self.replay(seed)
            total.resolves += paths.resolves
            total.waitedBehindAThrottle += paths.waitedBehindAThrottle
        }
        #expect(total.resolves > 40 && total.waitedBehindAThrottle > 3, "\(total)")
    }

    @discardableResult
    static func replay(_ seed: UInt64) throws -> Paths {
        var paths = Paths()
        let set = try RuleSet.load(source: Self.rules, name: "history.rules")
        let router = NotificationRouter(
            rules: set.rules, channelKinds: ["oncall": .pagerduty, "ops": .slack], overdueThresholds: set.overdueThresholds)
        var random = SplitMix(seed: seed)
        var statuses: [String: String] = [:]
        var overdueSent: Set<String> = []
        var store = Set<OpenAlert>()
        var throttle: [ThrottleKey: ThrottleState] = [:]
        var model: Set<Key> = []
        var streams: [Key: [NotificationDocument.Action]] = [:]
        var now = Fixtures.t0
        var cycle: Int64 = 0

        func run(_ events: [Event]) throws {
            let posts = Set(events.map(\.post.postId))
            let loaded = store.filter { posts.contains($0.postId) }
            let routing = router.route(events, at: now, throttle: throttle, openAlerts: loaded)
            for (key, state) in routing.throttle {
                if (state?.resolving?.count ?? 0) > (throttle[key]?.resolving?.count ?? 0) { paths.waitedBehindAThrottle += 1 }
                throttle[key] = state  // nil deletes
            }
            store.formUnion(routing.openedAlerts)
            store.subtract(routing.closedAlerts)
            for draft in routing.notifications {
                let document = try NotificationDocument.decode(draft.payload)
                for event in document.events {
                    let key = Key(rule: document.rule, post: event.post.postId, channel: document.channel)
                    let action = document.action ?? .trigger
                    let stream = streams[key, default: []]
                    if action == .resolve {
                        paths.resolves += 1
                        #expect(stream.last == .trigger, "seed \(seed): \(key) resolved without an open trigger: \(stream)")
                    }
                    streams[key, default: []].append(action)
                }
            }
        }

        for _ in 0..<30 {
            cycle += 1
            now = now.addingTimeInterval(Double(random.next(upTo: 8)) * 60)
            var events: [Event] = []
            for id in ["p1", "p2", "p3", "p4"] where random.next(upTo: 3) == 0 {
                let from = statuses[id]
                guard from != "deleted" else { continue }
                let to: String
                switch from {
                case nil: to = ["generated", "pending_render", "failed", "posted"][random.next(upTo: 4)]
                case "generated": to = ["pending_render", "overdue", "deleted"][random.next(upTo: 3)]
                case "pending_render": to = ["failed", "posted", "overdue", "failed", "deleted"][random.next(upTo: 5)]
                case "failed": to = ["pending_render", "posted", "deleted"][random.next(upTo: 3)]
                default: to = ["deleted", "failed"][random.next(upTo: 2)]
                }
                let event: Event
                if to == "overdue" {
                    guard overdueSent.insert(id).inserted else { continue }
                    event = Self.event(id, kind: .overdue, from: from!, to: from!, at: now, cycle: cycle)
                } else if to == "deleted" {
                    event = Self.event(id, kind: .deleted, from: from!, to: "deleted", at: now, cycle: cycle)
                } else {
                    event = Self.event(id, kind: .transition, from: from ?? "new", to: to, at: now, cycle: cycle)
                }
                statuses[id] = to == "overdue" ? from : to
                events.append(event)
                for (rule, channels) in Self.channelsOf {
                    for channel in channels {
                        let key = Key(rule: rule, post: id, channel: channel)
                        if Self.fires(rule, event) { model.insert(key) } else if Self.resolves(rule, channel: channel, event) { model.remove(key) }
                    }
                }
            }
            try run(events)
        }
        // Let every throttle go.
        for _ in 0..<3 {
            now = now.addingTimeInterval(3_600)
            try run([])
        }
        #expect(throttle.values.allSatisfy { $0.held.isEmpty }, "seed \(seed): held events left")
        let stored = Set(store.map { Key(rule: $0.rule, post: $0.postId, channel: $0.channel) })
        #expect(stored == model, "seed \(seed): store \(stored.sorted(by: { "\($0)" < "\($1)" })) model \(model.sorted(by: { "\($0)" < "\($1)" }))")
        for (key, stream) in streams where key.rule != "Silent" {
            #expect((stream.last == .trigger) == model.contains(key), "seed \(seed): \(key) sent \(stream)")
        }
        #expect(!streams.keys.contains { $0.rule == "Silent" && streams[$0]!.contains(.resolve) })
        return paths
    }

    static func event(_ id: String, kind: Event.Kind, from: String, to: String, at: Date, cycle: Int64) -> Event {
        var event = Fixtures.event(id, from: from, to: to, kind: kind, detectedAt: at)
        event.cycle = cycle
        return event
    }
}

/// A small seeded generator: the same seed, the same history.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next(upTo bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49EB_133D_0111
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
