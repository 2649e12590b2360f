/// Compares what the receivers took with what the reference model expects, exactly: every
/// expected (rule, channel, event occurrence) delivered at least once, nothing unexpected, and a
/// notification seen twice only under the same idempotency key with the same events.
struct ModelComparison {
    typealias Route = ReferenceModel.Route
    typealias Occurrence = ReferenceModel.Occurrence

    /// One line per disagreement, readable on its own.
    private(set) var discrepancies: [String] = []
    /// Disagreements on posts a committed snapshot showed with an undocumented status or
    /// platform: the known limitation of filtered listings (docs/testing.md), kept apart.
    private(set) var undocumentedValueDiscrepancies: [String] = []
    /// (rule, channel, event) notifications compared.
    private(set) var compared = 0
    /// Requests or messages received in all, duplicates included.
    private(set) var received = 0
    /// Deliveries that repeated a key already received (allowed: at least once).
    private(set) var duplicates = 0

    init(model: ReferenceModel, log: DeliveryLog) {
        discrepancies += log.unreadable.map { "unreadable delivery: \($0)" }
        let rules = Dictionary(uniqueKeysWithValues: ModelRules.rules.map { ($0.name, $0) })
        /// Per route, each delivered occurrence (with its cycle, nil for email) and the keys it came under.
        var delivered: [Route: [String: [Int?: [Occurrence: Set<String>]]]] = [:]
        var keys: [String: Set<DeliveryLog.Event>] = [:]
        for delivery in log.deliveries {
            received += 1
            let route = Route(rule: delivery.rule, channel: delivery.channel)
            guard let rule = rules[delivery.rule], rule.channels.contains(delivery.channel) else {
                discrepancies.append("unexpected route \(route): \(delivery.events.map(\.postId))")
                continue
            }
            let identity = delivery.channel + " " + delivery.key
            let events = Set(delivery.events)
            if let earlier = keys[identity] {
                duplicates += 1
                if earlier != events {
                    discrepancies.append("\(route): key \(delivery.key.prefix(12))… sent twice with different events")
                }
            }
            keys[identity] = events
            discrepancies += Self.groupingProblems(delivery, route: route)
            for event in delivery.events {
                let occurrence = Occurrence(kind: event.kind, from: event.from, to: event.to)
                delivered[route, default: [:]][event.postId, default: [:]][event.cycle, default: [:]][occurrence, default: []]
                    .insert(delivery.key)
            }
        }
        // Duplicates are allowed only under one key: one occurrence in two keys is two notifications.
        // (An email carries no cycle, so its occurrences are told apart by its X-Postwatch-Idempotency-Key alone below.)
        for (route, posts) in delivered {
            for (postId, cycles) in posts {
                for (cycle, occurrences) in cycles where cycle != nil {
                    for (occurrence, keys) in occurrences where keys.count > 1 {
                        discrepancies.append(
                            "\(route): \(postId) \(occurrence) of cycle \(cycle ?? -1) delivered under \(keys.count) keys")
                    }
                }
            }
        }
        for route in Set(model.expected.keys).union(delivered.keys).sorted() {
            let expected = model.expected[route] ?? [:]
            let got = delivered[route] ?? [:]
            for postId in Set(expected.keys).union(got.keys).sorted() {
                let want = expected[postId] ?? []
                compared += want.count
                let have = Self.sequence(got[postId] ?? [:])
                // Email has no cycle to order by: compare as multisets there.
                let equal = route.channel == "mail"
                    ? want.map(\.description).sorted() == have.map(\.description).sorted()
                    : want == have
                if !equal {
                    let line = "\(route): \(postId) expected \(want) delivered \(have); committed snapshots showed "
                        + (model.history[postId] ?? []).joined(separator: " ")
                    if model.sawUndocumentedValue.contains(postId) {
                        undocumentedValueDiscrepancies.append(line)
                    } else {
                        discrepancies.append(line)
                    }
                }
            }
        }
    }

    /// A post's delivered occurrences in cycle order; for email, one per idempotency key.
    static func sequence(_ cycles: [Int?: [Occurrence: Set<String>]]) -> [Occurrence] {
        var out: [Occurrence] = []
        for cycle in cycles.keys.sorted(by: { ($0 ?? -1) < ($1 ?? -1) }) {
            for (occurrence, keys) in cycles[cycle] ?? [:] {
                out += Array(repeating: occurrence, count: cycle == nil ? keys.count : 1)
            }
        }
        return out
    }

    /// A grouped rule's message holds one group; every event in it matches the rule.
    static func groupingProblems(_ delivery: DeliveryLog.Delivery, route: Route) -> [String] {
        var problems: [String] = []
        if delivery.rule == "A failed", Set(delivery.events.map(\.postId)).count > 1 {
            problems.append("\(route): one message for several posts despite group by postId: \(delivery.groupKey)")
        }
        if delivery.rule == "D tiktok digest", Set(delivery.events.map(\.accountId)).count > 1 {
            problems.append("\(route): one message for several accounts despite group by accountId: \(delivery.groupKey)")
        }
        if delivery.channel != "mail", let rule = ModelRules.rules.first(where: { $0.name == delivery.rule }) {
            for event in delivery.events {
                let modelEvent = ModelRules.Event(
                    postId: event.postId, kind: event.kind == "deleted" ? .deleted : .transition, from: event.from,
                    to: event.to, platform: event.platform ?? "?", accountId: event.accountId ?? "?")
                if !rule.matches(modelEvent) {
                    problems.append("\(route): carries \(event.postId) \(event.from)→\(event.to), which the rule does not match")
                }
            }
        }
        return problems
    }
}
