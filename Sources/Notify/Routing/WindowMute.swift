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

    /// The window of `windows` open at `now` (the first listed), with when it closes.
    public struct Hold: Sendable, Hashable {
        public var window: String
        public var until: Date?
        /// `window "weekend" until 2026-03-30T00:00:00+02:00`, in the window's own offset.
        public var reason: String
    }

    public func hold(_ windows: [MaintenanceWindow]) -> Hold? {
        guard let window = windows.first(where: { $0.contains(now) }) else { return nil }
        let until = window.closes(after: now)
        let text = until.map { " until " + Self.timestamp($0, in: window.timeZone) } ?? ""
        return Hold(window: window.name, until: until, reason: "window \"\(window.name)\"\(text)")
    }

    /// Why `windows` mute at `now` (`window "weekend" until 2026-03-30T00:00:00+02:00`), nil when
    /// none is open.
    public func reason(_ windows: [MaintenanceWindow]) -> String? {
        hold(windows)?.reason
    }

    /// The rule's events split into those to route and those its windows hold.
    func split(_ events: [Event], rule: Rule) -> (routed: [Event], held: [HeldEvent]) {
        guard let hold = hold(rule.muteDuring) else { return (events, []) }
        return ([], events.map { Self.record($0, rule: rule.name, channel: nil, hold) })
    }

    /// The channels of `rule` muted now, with why.
    func mutedChannels(of rule: Rule, windows: [String: [MaintenanceWindow]]) -> [String: Hold] {
        var muted: [String: Hold] = [:]
        for channel in rule.channels {
            if let hold = hold(windows[channel] ?? []) { muted[channel] = hold }
        }
        return muted
    }

    /// The events a muted channel did not receive, one record per event and channel.
    static func held(_ events: [Event], rule: String, channels: [String: Hold]) -> [HeldEvent] {
        channels.keys.sorted().flatMap { channel in
            events.compactMap { event in channels[channel].map { record(event, rule: rule, channel: channel, $0) } }
        }
    }

    static func record(_ event: Event, rule: String, channel: String?, _ hold: Hold) -> HeldEvent {
        HeldEvent(
            rule: rule, postId: event.post.postId, channel: channel, window: hold.window, until: hold.until, reason: hold.reason,
            event: event)
    }

    /// RFC 3339 with the window's own offset: the reader's wall clock, not the server's.
    public static func timestamp(_ date: Date, in timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
