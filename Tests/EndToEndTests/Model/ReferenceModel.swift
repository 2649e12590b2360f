/// The reference model of DESIGN.md's "Snapshots and transitions", written for the test and
/// sharing nothing with `Watch.Diff` or the router: given the complete snapshots postwatch
/// committed, in order, it says which events exist and so which (rule, channel, event)
/// notifications must be delivered.
///
/// It cannot know cycle numbers when faults and kills abort cycles, and it does not need to: it
/// keeps, per (rule, channel) and post, the sequence of events in the order they happened, which
/// is what the comparison reads from the deliveries too.
struct ReferenceModel {
    struct Stored {
        var status: String
        var platform: String
        var accountId: String
        /// Consecutive complete snapshots the post was absent from.
        var misses = 0
    }

    /// A post as a snapshot shows it.
    struct Seen {
        var status: String
        var platform: String
        var accountId: String
    }

    /// A rule and one of its channels: notifications are compared per route.
    struct Route: Hashable, Comparable, CustomStringConvertible {
        var rule: String
        var channel: String
        static func < (a: Route, b: Route) -> Bool { (a.rule, a.channel) < (b.rule, b.channel) }
        var description: String { "\(rule) → \(channel)" }
    }

    /// One event occurrence as it can be compared: its cycle number is what the model can't know.
    struct Occurrence: Hashable, CustomStringConvertible {
        var kind: String
        var from: String
        var to: String
        var description: String { kind == "deleted" ? "\(from)→deleted" : "\(from)→\(to)" }
    }

    private(set) var stored: [String: Stored] = [:]
    private(set) var hasBaseline = false
    /// Per route and post, every occurrence that must be delivered, in order.
    private(set) var expected: [Route: [String: [Occurrence]]] = [:]
    private(set) var eventCount = 0
    /// Posts a committed snapshot showed with a status or platform the API does not document:
    /// listings filtered by documented values can't show them, a known limitation the comparison
    /// reports apart.
    private(set) var sawUndocumentedValue: Set<String> = []
    /// Per post, what each committed snapshot showed when it differed from the one before
    /// (`3:failed`, `5:absent`): printed beside a discrepancy, to minimise it by hand.
    private(set) var history: [String: [String]] = [:]
    private var lastSeen: [String: String] = [:]
    private(set) var cycles = 0

    /// Applies one committed complete snapshot and returns its events.
    mutating func apply(_ snapshot: [String: Seen]) -> [ModelRules.Event] {
        cycles += 1
        for (postId, seen) in snapshot
        where !Self.documentedStatuses.contains(seen.status) || !Self.documentedPlatforms.contains(seen.platform) {
            sawUndocumentedValue.insert(postId)
        }
        for postId in Set(snapshot.keys).union(lastSeen.keys) {
            let now = snapshot[postId]?.status ?? "absent"
            if lastSeen[postId] != now { history[postId, default: []].append("\(cycles):\(now)") }
            lastSeen[postId] = now
        }
        guard hasBaseline else {
            // The first complete snapshot into an empty store is the silent baseline.
            stored = snapshot.mapValues { Stored(status: $0.status, platform: $0.platform, accountId: $0.accountId) }
            hasBaseline = true
            return []
        }
        var events: [ModelRules.Event] = []
        for (postId, seen) in snapshot {
            let before = stored[postId]
            if before?.status != seen.status {
                events.append(ModelRules.Event(
                    postId: postId, kind: .transition, from: before?.status ?? "new", to: seen.status,
                    platform: seen.platform, accountId: seen.accountId))
            }
            stored[postId] = Stored(status: seen.status, platform: seen.platform, accountId: seen.accountId)
        }
        for (postId, var post) in stored where snapshot[postId] == nil {
            post.misses += 1
            if post.misses >= 2 {
                // Absent from two consecutive complete snapshots: deleted, and forgotten (a post
                // seen again later is new).
                stored[postId] = nil
                events.append(ModelRules.Event(
                    postId: postId, kind: .deleted, from: post.status, to: "deleted",
                    platform: post.platform, accountId: post.accountId))
            } else {
                stored[postId] = post
            }
        }
        for event in events {
            let occurrence = Occurrence(kind: event.kind.rawValue, from: event.from, to: event.to)
            for rule in ModelRules.rules where rule.matches(event) {
                for channel in rule.channels {
                    expected[Route(rule: rule.name, channel: channel), default: [:]][event.postId, default: []].append(occurrence)
                }
            }
        }
        eventCount += events.count
        return events
    }

    static let documentedStatuses: Set<String> = ["generated", "pending_render", "posted", "failed"]
    static let documentedPlatforms: Set<String> = ["tiktok", "instagram"]

    /// How many (rule, channel, event) notifications must have been delivered.
    var expectedNotifications: Int { expected.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } }
}
