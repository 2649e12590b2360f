import Foundation
import Rules
import Watch

/// Routing, stage 2 (mute): maintenance windows. A rule inside one of its `mute during`
/// windows sends nothing for its events, and a channel inside one of its own receives nothing;
/// each event kept back is a ``Watch/HeldEvent`` saying which window and until when, never
/// dropped without a word.
///
/// A window is a test of `now` against intervals of instants (``Rules/MaintenanceWindow``):
/// nothing is remembered, so a daemon restarted inside a window is still muted, and a window
/// ends on time however long the daemon was down.
public struct WindowMute: Sendable {
    let now: Date

    public init(now: Date) {
        self.now = now
    }

    /// Why `windows` mute at `now` (`window "weekend" until 2026-03-30T00:00:00+02:00`), nil when
    /// none is open.
    public func reason(_ windows: [MaintenanceWindow]) -> String? {
        guard let window = windows.first(where: { $0.contains(now) }) else { return nil }
        let until = window.closes(after: now).map { " until " + Self.timestamp($0, in: window.timeZone) } ?? ""
        return "window \"\(window.name)\"\(until)"
    }

    /// The rule's events split into those to route and those its windows hold.
    func split(_ events: [Event], rule: Rule) -> (routed: [Event], held: [HeldEvent]) {
        guard let reason = reason(rule.muteDuring) else { return (events, []) }
        return ([], events.map { HeldEvent(rule: rule.name, postId: $0.post.postId, channel: nil, reason: reason, event: $0) })
    }

    /// The channels of `rule` muted now, with why.
    func mutedChannels(of rule: Rule, windows: [String: [MaintenanceWindow]]) -> [String: String] {
        var muted: [String: String] = [:]
        for channel in rule.channels {
            if let reason = reason(windows[channel] ?? []) { muted[channel] = reason }
        }
        return muted
    }

    /// The events a muted channel did not receive, one record per event and channel.
    static func held(_ events: [Event], rule: String, channels: [String: String]) -> [HeldEvent] {
        channels.keys.sorted().flatMap { channel in
            events.map { HeldEvent(rule: rule, postId: $0.post.postId, channel: channel, reason: channels[channel] ?? "", event: $0) }
        }
    }

    /// RFC 3339 with the window's own offset: the reader's wall clock, not the server's.
    public static func timestamp(_ date: Date, in timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
