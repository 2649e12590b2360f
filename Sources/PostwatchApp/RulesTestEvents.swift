import Foundation
import Infinipost
import Watch

/// The events of a `rules test` file: a post object as the API gives it plus `from`
/// (default `new`), `to` (default the post's status), `kind` (`transition`, `overdue`,
/// `deleted`; default `transition`) and `now` (default: `postedAt`, else the scheduled time).
struct RulesTestEvent: Sendable {
    let label: String
    let post: Post
    let kind: Event.Kind
    let from: String
    let to: String
    let now: Date

    struct LoadError: Error, Sendable {
        let message: String
    }

    private struct Extras: Decodable {
        var from: String?
        var to: String?
        var kind: String?
        var now: Date?
    }

    /// Reads one file holding an event object or a list of them.
    static func load(path: String) throws(LoadError) -> [RulesTestEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(message: "\(path): cannot read the file")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw LoadError(message: "\(path): not JSON (\(error.localizedDescription))")
        }
        let objects: [Any] = (json as? [Any]) ?? [json]
        var events: [RulesTestEvent] = []
        for (index, object) in objects.enumerated() {
            let label = objects.count == 1 && !(json is [Any]) ? path : "\(path)[\(index)]"
            guard object is [String: Any], let element = try? JSONSerialization.data(withJSONObject: object) else {
                throw LoadError(message: "\(label): expected an object (a post plus \"from\")")
            }
            events.append(try decode(element, label: label))
        }
        return events
    }

    private static func decode(_ data: Data, label: String) throws(LoadError) -> RulesTestEvent {
        let decoder = JSONDecoder.infinipost()
        let post: Post
        let extras: Extras
        do {
            post = try decoder.decode(Post.self, from: data)
            extras = try decoder.decode(Extras.self, from: data)
        } catch {
            throw LoadError(message: "\(label): \(describe(error))")
        }
        let kind: Event.Kind
        switch extras.kind ?? "transition" {
        case "transition": kind = .transition
        case "overdue": kind = .overdue
        case "deleted": kind = .deleted
        case let other: throw LoadError(message: "\(label): unknown kind '\(other)' (transition, overdue or deleted)")
        }
        let to = extras.to ?? (kind == .deleted ? "deleted" : post.status.rawValue)
        let from = extras.from ?? (kind == .transition ? "new" : post.status.rawValue)
        let now = extras.now ?? post.postedAt ?? post.scheduledTime
        return RulesTestEvent(label: label, post: post, kind: kind, from: from, to: to, now: now)
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// The event as the cycle would emit it; an overdue one for one threshold it has passed.
    func event(overdueSeconds: Int? = nil) -> Event {
        Event(kind: kind, from: from, to: to, overdueSeconds: overdueSeconds, post: post, detectedAt: now)
    }

    /// `pending_render -> failed`, `overdue by 42m`, `posted -> deleted`.
    var eventText: String {
        switch kind {
        case .transition, .deleted: "\(from) -> \(to)"
        case .overdue: "overdue (\(post.status.rawValue))"
        }
    }
}
