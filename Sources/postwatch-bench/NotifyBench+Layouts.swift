import Curl
import Foundation
import Notify
import Rules
import TestSupport
import Timekeeping
import Watch

extension NotifyBench {
    /// Rendering one notification of `posts` posts in each structured chat layout (the JSON
    /// bodies a channel sends, split included), as a Markdown table. Issue 15's target: a
    /// 50-post Block Kit message in under 1 ms (release build).
    static func layoutRendering(posts: Int = 50, iterations: Int, transport: CurlTransport) throws -> [String] {
        let now = Date()
        // CPU time of the rendering thread is the figure compared with the target (per core, and
        // not inflated when other work shares the machine); wall time is shown beside it.
        var lines = ["| layout | posts | messages | per notification (CPU) | wall | target |", "|---|---|---|---|---|---|"]
        for (kind, layout) in [(ChannelKind.slack, ChatLayout.blocks), (.mattermost, .attachments), (.slack, .text)] {
            let rule = Rule(name: "Failed", severity: .critical, triggers: [.transition(from: nil, to: "failed")], channels: ["ops"])
            let router = NotificationRouter(rules: [rule], channelKinds: ["ops": kind])
            let events = (0..<posts).map { index in
                var event = event(index, at: now)
                event.post.thumbnailUrl = "https://storage.example.com/\(index)/thumb.jpg"
                return event
            }
            guard let draft = router.route(events, at: now, throttle: [:]).notifications.first else {
                throw FixtureError("the router made no notification")
            }
            let document = try NotificationDocument.decode(draft.payload)
            let channel = ChatChannel(name: "ops", kind: kind, url: "http://127.0.0.1:9/hook", transport: transport, layout: layout)
            var messages = 0
            // Warm up (formatters, caches), then measure.
            for _ in 0..<min(20, iterations) { messages = channel.bodies(for: document).count }
            let start = ContinuousClock.now
            let cpuStart = RulesBench.threadCPUSeconds()
            for _ in 0..<iterations { messages = channel.bodies(for: document).count }
            let cpu = (RulesBench.threadCPUSeconds() - cpuStart) / Double(iterations)
            let wall = (ContinuousClock.now - start).secondsValue / Double(iterations)
            let target = layout == .blocks ? "< 1 ms" : "–"
            let figures = [cpu, wall].map { String(format: "%.3f ms", $0 * 1_000) }
            lines.append("| \(kind.rawValue) \(layout.rawValue) | \(posts) | \(messages) | \(figures[0]) | \(figures[1]) | \(target) |")
        }
        return lines
    }
}
