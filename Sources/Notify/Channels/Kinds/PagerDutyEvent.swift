import Crypto
import Foundation
import Infinipost
import Rules
import Watch

/// One PagerDuty Events API v2 event: the JSON postwatch POSTs to `/v2/enqueue` for one post
/// of a notification (PagerDuty incidents are per post).
///
/// A trigger carries the `payload` (summary, severity, source, timestamp, the post in
/// `custom_details`), `links` and `client`; a resolve carries only the routing key, the action
/// and the `dedup_key`, which is all PagerDuty reads of one.
struct PagerDutyEvent: Sendable, Hashable {
    /// PagerDuty's limits (Events API v2).
    static let dedupKeyLimit = 255
    static let summaryLimit = 1_024

    var action: NotificationDocument.Action
    var dedupKey: String
    var summary: String
    var severity: String
    var source: String
    var timestamp: Date
    var component: String
    var group: String
    var eventClass: String
    var customDetails: [String: JSONValue]
    var links: [(href: String, text: String)]

    static func == (lhs: PagerDutyEvent, rhs: PagerDutyEvent) -> Bool {
        lhs.action == rhs.action && lhs.dedupKey == rhs.dedupKey && lhs.summary == rhs.summary
    }
    func hash(into hasher: inout Hasher) { hasher.combine(dedupKey) }

    /// The events of a document, one per event, in order.
    static func events(of document: NotificationDocument) -> [PagerDutyEvent] {
        document.events.map { event(for: $0, in: document) }
    }

    /// `postwatch/<rule hash>/<postId>`: the same for every trigger and resolve of one rule and
    /// post, whatever the cycle, so PagerDuty keeps one incident per post and a retry (or a
    /// re-send after a crash) changes nothing. The rule is hashed (names are free text, up to
    /// any length); a post ID that would overflow 255 characters is hashed too.
    static func dedupKey(rule: String, postId: String) -> String {
        let ruleHash = hex(SHA256.hash(data: Data(rule.utf8))).prefix(16)
        let key = "postwatch/\(ruleHash)/\(postId)"
        if key.utf8.count <= dedupKeyLimit { return key }
        return "postwatch/\(ruleHash)/sha256-\(hex(SHA256.hash(data: Data(postId.utf8))))"
    }

    static func event(for event: Event, in document: NotificationDocument) -> PagerDutyEvent {
        let post = event.post
        // A post's values as every layout reads them (plain: PagerDuty shows text as written).
        let summary = PostSummary(event, format: .plain)
        let transition = summary.transition
        let line = "\(document.rule): \(post.platform.rawValue) \(post.contentType.rawValue) post \(post.postId) "
            + "of \(post.accountId), \(transition)"
        var details: [String: JSONValue] = [
            "rule": .string(document.rule),
            "event": .string(event.kind.rawValue),
            "from": .string(event.from),
            "to": .string(event.to),
            "transition": .string(transition),
            "scheduledLocal": .string(summary.scheduledLocal),
            "message": .string(document.message.title),
        ]
        if let seconds = event.overdueSeconds { details["overdueSeconds"] = .number(String(seconds)) }
        // The post as the API gave it travels into `custom_details` unchanged.
        if let postJSON = try? JSONEncoder.infinipost().encode(post), let value = try? JSONParser.parse(String(decoding: postJSON, as: UTF8.self)) {
            details["post"] = value
        }
        var links: [(href: String, text: String)] = []
        let urls = post.contentUrl.urls
        for (index, url) in urls.enumerated() {
            guard let href = MessageFormat.linkableURL(url) else { continue }
            links.append((href, urls.count > 1 ? "slide \(index + 1)" : "content"))
        }
        if let thumbnail = post.thumbnailUrl.flatMap(MessageFormat.linkableURL) { links.append((thumbnail, "thumbnail")) }
        return PagerDutyEvent(
            action: document.action ?? .trigger, dedupKey: dedupKey(rule: document.rule, postId: post.postId),
            summary: cut(TextFormatting.oneLine(line), to: summaryLimit), severity: severity(document.severity),
            source: "postwatch/\(post.accountId)", timestamp: event.detectedAt, component: post.platform.rawValue,
            group: post.accountId, eventClass: event.kind == .transition ? event.to : event.kind.rawValue,
            customDetails: details, links: links)
    }

    /// PagerDuty's severity for a rule's: the three postwatch has are PagerDuty's own names
    /// (PagerDuty's fourth, `error`, is never sent).
    static func severity(_ severity: Severity) -> String {
        switch severity {
        case .critical: "critical"
        case .warning: "warning"
        case .info: "info"
        }
    }

    /// The JSON body, keys sorted (the same event always gives the same bytes).
    func body(routingKey: String) -> Data {
        var object: [String: JSONValue] = [
            "routing_key": .string(routingKey),
            "event_action": .string(action.rawValue),
            "dedup_key": .string(dedupKey),
        ]
        if action == .trigger {
            object["payload"] = .sorted([
                "summary": .string(summary),
                "severity": .string(severity),
                "source": .string(source),
                "timestamp": .string(InfinipostTime.format(timestamp)),
                "component": .string(component),
                "group": .string(group),
                "class": .string(eventClass),
                "custom_details": .sorted(customDetails),
            ])
            object["links"] = .array(links.map { .sorted(["href": .string($0.href), "text": .string($0.text)]) })
            object["client"] = .string("postwatch")
        }
        return Data(JSONValue.sorted(object).serialized.utf8)
    }

    /// `text` within `limit` characters (PagerDuty counts characters), ending with "…" when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

extension JSONValue {
    /// An object with its keys sorted: the same event always gives the same bytes.
    static func sorted(_ members: [String: JSONValue]) -> JSONValue {
        .object(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
    }
}
