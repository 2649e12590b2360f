import ArgumentParser
import Curl
import Foundation
import Infinipost
import Logging
import Notify
import Rules
import TestSupport
import Timekeeping
import Watch

/// `postwatch-bench notify`: delivery throughput to local webhook receivers (without and with
/// the Slack-compatible rate limit) and email to a local SMTP server, from a real SQLite outbox.
struct NotifyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Notification delivery throughput.")

    @Option(help: "Notifications for the unlimited run.")
    var messages = 1_000
    @Option(help: "Local webhook receivers.")
    var receivers = 50
    @Option(help: "Receivers for the rate-limited run.")
    var limitedReceivers = 10
    @Option(help: "Notifications per receiver in the rate-limited run.")
    var limitedPerReceiver = 20
    @Option(help: "Emails to the local SMTP server.")
    var emails = 200
    @Flag(help: "Only measure the rendering of the chat layouts (no delivery).")
    var layoutsOnly = false
    @Option(help: "Renderings measured per chat layout.")
    var layoutIterations = 1_000

    func run() async throws {
        let transport = CurlTransport()
        var lines: [String] = ["## Notify", ""]
        let build = Self.build
        lines.append("Measured with `postwatch-bench notify` (\(build)) on \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(Self.loadAverage()); outbox in a real SQLite file, receivers on 127.0.0.1.")
        lines.append("")
        // Rendering first: a CPU measurement, before the delivery runs load the machine.
        let layouts = try Self.layoutRendering(iterations: layoutIterations, transport: transport)
        if layoutsOnly {
            print((lines + layouts).joined(separator: "\n"))
            return
        }
        lines.append("| run | messages | destinations | time | messages/s | peak RSS |")
        lines.append("|---|---|---|---|---|---|")

        // 1. Unlimited: webhook channels (no rate limit), every destination in parallel.
        let unlimited = try await deliver(
            count: messages, destinations: receivers, transport: transport, kind: .webhook, rateLimit: nil)
        lines.append("| webhooks, no rate limit | \(messages) | \(receivers) | \(Self.seconds(unlimited)) | \(Self.rate(messages, unlimited)) | \(Self.peakRSS()) |")

        // 1b. The same over the chat layouts of issue 15 (Block Kit, attachments, embeds, cards):
        // the JSON a message is rendered into must not slow delivery much (target: within 10%).
        for kind in [ChannelKind.slack, .mattermost, .discord, .teams] {
            let time = try await deliver(count: messages, destinations: receivers, transport: transport, kind: kind, rateLimit: nil)
            lines.append("| \(kind.rawValue) (default layout), no rate limit | \(messages) | \(receivers) | \(Self.seconds(time)) | \(Self.rate(messages, time)) (\(String(format: "%+.0f", (unlimited / time - 1) * 100))% vs webhooks) | \(Self.peakRSS()) |")
        }

        // 2. Rate limited: Slack-compatible hooks at 1/s, burst 3.
        let limitedCount = limitedReceivers * limitedPerReceiver
        let limited = try await deliver(
            count: limitedCount, destinations: limitedReceivers, transport: transport, kind: .slack, rateLimit: .slackCompatible)
        let minimum = Double(max(limitedPerReceiver - RateLimit.slackCompatible.burst, 0)) / RateLimit.slackCompatible.perSecond
        lines.append("| slack hooks, 1/s burst 3 | \(limitedCount) | \(limitedReceivers) | \(Self.seconds(limited)) (minimum \(String(format: "%.1f", minimum)) s, +\(String(format: "%.1f", (limited / minimum - 1) * 100))%) | \(Self.rate(limitedCount, limited)) | \(Self.peakRSS()) |")

        // 3. Email over SMTP (plaintext, local server).
        let mail = try await sendMail(count: emails, transport: transport)
        lines.append("| email, local SMTP | \(emails) | 1 | \(Self.seconds(mail)) | \(Self.rate(emails, mail)) | \(Self.peakRSS()) |")
        print((lines + [""] + layouts).joined(separator: "\n"))
    }

    /// Queues `count` notifications over `destinations` channels in a fresh store, then delivers
    /// them all; returns the wall time of the delivery.
    func deliver(count: Int, destinations: Int, transport: CurlTransport, kind: ChannelKind, rateLimit: RateLimit?) async throws -> Double {
        let receivers = try (0..<destinations).map { _ in try HTTPReceiver.start() }
        defer { receivers.forEach { $0.stop() } }
        let channels: [any Channel] = try receivers.enumerated().map { index, receiver throws -> any Channel in
            let name = "hook\(index)"
            switch kind {
            case .webhook:
                return WebhookChannel(name: name, url: receiver.url("/hook"), secret: "bench-secret", transport: transport, rateLimit: rateLimit)
            case .discord:
                return DiscordChannel(name: name, url: receiver.url("/api/webhooks/1/bench"), transport: transport, rateLimit: rateLimit)
            case .teams:
                // A loopback URL of the Workflows shape (TeamsURL takes loopback http for tests).
                return try TeamsChannel(
                    name: name, url: receiver.url("/workflows/bench/triggers/manual/paths/invoke?sig=bench"), transport: transport,
                    rateLimit: rateLimit)
            default:
                // Slack and Mattermost in their default layouts (Block Kit, attachments).
                return ChatChannel(name: name, kind: kind, url: receiver.url("/hook"), transport: transport, rateLimit: rateLimit)
            }
        }
        let store = try await Self.store(count: count, channels: channels.map { ($0.name, $0.kind) })
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let delivery = Delivery(outbox: store, channels: channels, logger: logger)
        let start = ContinuousClock.now
        let report = await delivery.deliverDue(now: Date())
        let elapsed = ContinuousClock.now - start
        guard report.delivered == count else { throw FixtureError("delivered \(report.delivered) of \(count): \(report)") }
        return elapsed.secondsValue
    }

    func sendMail(count: Int, transport: CurlTransport) async throws -> Double {
        let server = try await SMTPServer.start()
        defer { server.stop() }
        let smtp = SMTPConfiguration(url: server.url, tls: .none, from: try EmailAddress("postwatch@example.com"))
        let channel = try EmailChannel(name: "mail", addresses: ["oncall@example.com"], smtp: smtp, transport: transport)
        let store = try await Self.store(count: count, channels: [("mail", .email)])
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let delivery = Delivery(outbox: store, channels: [channel], logger: logger)
        let start = ContinuousClock.now
        let report = await delivery.deliverDue(now: Date())
        let elapsed = ContinuousClock.now - start
        guard report.delivered == count else { throw FixtureError("delivered \(report.delivered) of \(count) emails: \(report)") }
        return elapsed.secondsValue
    }

    /// A store in a temporary directory holding `count` routed notifications spread over the channels.
    static func store(count: Int, channels: [(name: String, kind: ChannelKind)]) async throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path)
        _ = try await store.commit(commit(count: count, channels: channels, at: Date()))
        return store
    }

    /// A cycle's commit queueing `count` routed notifications spread over the channels.
    static func commit(count: Int, channels: [(name: String, kind: ChannelKind)], at now: Date) -> CycleCommit {
        var drafts: [OutboxDraft] = []
        for index in 0..<count {
            let channel = channels[index % channels.count]
            let rule = Rule(
                name: "rule \(index)", severity: .critical, triggers: [.transition(from: nil, to: "failed")], channels: [channel.name])
            let router = NotificationRouter(rules: [rule], channelKinds: [channel.name: channel.kind])
            drafts += router.route([event(index, at: now)], at: now, throttle: [:]).notifications
        }
        var commit = CycleCommit(cycle: CycleRecord(startedAt: now, endedAt: now, result: .complete, notifications: drafts.count))
        commit.notifications = drafts
        return commit
    }

    static func event(_ index: Int, at now: Date) -> Event {
        let post = Post(
            postId: "post_\(index)", accountId: "acc_\(index % 7)", platform: .tiktok, contentType: .video,
            contentUrl: .single("https://storage.example.com/\(index).mp4"), thumbnailUrl: nil,
            caption: "Benchmark caption number \(index) #bench", soundId: nil, timezone: "Europe/Paris",
            scheduledTime: now.addingTimeInterval(-600), status: .failed, postedAt: nil, createdAt: now.addingTimeInterval(-86_400))
        return Event(kind: .transition, from: "pending_render", to: "failed", post: post, detectedAt: now)
    }

    /// What the figures were measured with.
    static var build: String {
        #if DEBUG
        "debug build"
        #else
        "release build"
        #endif
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    static func rate(_ count: Int, _ seconds: Double) -> String { String(format: "%.0f", Double(count) / max(seconds, 0.001)) }

    /// The 1-minute load average (the machine may be shared).
    static func loadAverage() -> String {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) > 0 ? String(format: "%.1f", loads[0]) : "?"
    }

    /// The peak resident set size of this process so far.
    static func peakRSS() -> String {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return String(format: "%.0f MB", Double(usage.ru_maxrss) / 1024)
    }
}
