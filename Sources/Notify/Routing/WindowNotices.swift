import Foundation
import Mustache
import Rules
import Watch

/// Routing, last stage (notice): a window with `notify ops` tells those channels when it opens
/// and when it closes: `🔧 Maintenance window "weekend" started` with when it ends, then
/// `✅ Maintenance window "weekend" ended`.
///
/// A change is seen by comparing the window at the last complete cycle and now
/// (``Watch/ScheduledState/lastCycleAt``): a daemon started inside a window it was outside of
/// when it stopped says it started; one down over a whole window says nothing (nothing it
/// would have muted came). Each notice is keyed by the window and the instant it changed, so
/// a cycle re-run after a crash sends none twice.
struct WindowNotices: Sendable {
    let now: Date
    let channelKinds: [String: ChannelKind]

    func drafts(_ windows: [MaintenanceWindow], since previous: Date?) -> [OutboxDraft] {
        guard let previous, previous < now else { return [] }
        var drafts: [OutboxDraft] = []
        for window in windows {
            let opened = window.contains(now)
            guard opened != window.contains(previous), let changed = window.parts.compactMap({ $0.nextChange(after: previous) }).min()
            else { continue }
            let name = "window \"\(window.name)\""
            let closes = window.closes(after: now).map { ", until " + WindowMute.timestamp($0, in: window.timeZone) } ?? ""
            let title = opened ? "🔧 Maintenance \(name) started\(closes)" : "✅ Maintenance \(name) ended"
            let body = opened
                ? "Rules and channels that mute during \"\(window.name)\" send nothing meanwhile."
                : "Rules and channels that mute during \"\(window.name)\" send again."
            let renderer = MessageRenderer(title: try? MustacheTemplate(string: title), body: try? MustacheTemplate(string: body))
            for channel in window.notices {
                guard let kind = channelKinds[channel] else { continue }
                let key = IdempotencyKey.make(
                    rule: name, groupKey: "\u{0}notice\u{0}\(Int64(changed.timeIntervalSince1970))", channel: channel, events: [])
                let document = NotificationDocument(
                    idempotencyKey: key, rule: name, severity: .info, channel: channel, channelKind: kind, group: [:],
                    groupKey: "", createdAt: now, events: [], suppressed: nil,
                    message: renderer.render(MessageSubject(rule: name, severity: .info, events: []), format: kind.format))
                guard let payload = try? document.encoded() else { continue }
                drafts.append(OutboxDraft(idempotencyKey: key, channel: channel, rule: name, payload: payload))
            }
        }
        return drafts
    }
}
