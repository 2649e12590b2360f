import Curl
import Foundation
import Timekeeping
import Infinipost
import Logging
import Notify
import Redaction
import Rules
import Watch

/// `postwatch channel test NAME`: one clearly marked test message through a channel as the
/// rules and settings configure it, and exactly what the destination answered (Grafana's
/// "Test" button, `apprise` on the command line). Nothing is read from or written to the state.
public struct ChannelTest: Sendable {
    let settings: Settings
    let channelName: String
    let clock: any WallClock

    public init(settings: Settings, channelName: String, clock: any WallClock = SystemClock()) {
        self.settings = settings
        self.channelName = channelName
        self.clock = clock
    }

    /// What happened, and the exit status: 0 sent, 4 refused or failed (the answer says why),
    /// 2 for a channel that is not declared or cannot be built.
    public func run() async throws(CommandError) -> (text: String, status: ExitStatus) {
        let rules = try Pipeline.loadRules(settings: settings, logger: Logger(label: "postwatch.channel-test"))
        guard let declaration = rules.channels[channelName] else {
            let names = rules.channels.keys.sorted()
            throw CommandError(
                .configuration,
                "no channel '\(channelName)' in \(settings.rulesPath)"
                    + (names.isEmpty ? "" : " (channels: \(names.joined(separator: ", ")))"))
        }
        let factory = ChannelFactory(
            settings: settings, rules: rules, transport: CurlTransport(configuration: .init(caFile: settings.caFile)),
            console: { FileHandle.standardOutput.write(Data($0.utf8)) })
        let redactor = factory.redactor
        let channel: any Channel
        do throws(NotifyError) { channel = try factory.channel(for: declaration) } catch { throw CommandError(error) }
        let document = try Self.document(for: channel, at: clock.now)
        let target = "\(channel.kind) channel '\(channelName)' (\(channel.redactedDestination))"
        do throws(DeliveryFailure) {
            try await channel.send(document)
            guard channel.kind.resolvesByDefault else { return ("sent a test message to \(target): accepted\n", .ok) }
            // An incident tool keeps what it is sent open: the test closes its own at once.
            var resolve = document
            resolve.action = .resolve
            try await channel.send(resolve)
            return ("sent a test message to \(target): accepted, and resolved\n", .ok)
        } catch {
            let kind = error.isPermanent ? "refused" : "failed (a notification would be retried)"
            return ("test message to \(target) \(kind): \(redactor.redact(error.message))\n", .undelivered)
        }
    }

    /// A message rendered the way a real one is (the channel's format and limits), about a
    /// post that says it is a test, so nobody mistakes it for an alert.
    static func document(for channel: any Channel, at now: Date) throws(CommandError) -> NotificationDocument {
        let post = Post(
            postId: "post_postwatch_test", accountId: "acc_postwatch_test", platform: .tiktok, contentType: .video,
            contentUrl: .single("https://example.com/postwatch-test.mp4"),
            caption: "This is a test message from `postwatch channel test`: no post failed.", timezone: "UTC",
            scheduledTime: now, status: .failed, createdAt: now)
        let event = Event(kind: .transition, from: "pending_render", to: "failed", post: post, detectedAt: now)
        let rule = Rule(
            name: "postwatch channel test (not an alert)", severity: .info, triggers: [.transition(from: nil, to: "failed")],
            channels: [channel.name])
        let routing = NotificationRouter(rules: [rule], channelKinds: [channel.name: channel.kind]).route([event], at: now, throttle: [:])
        guard let draft = routing.notifications.first, let document = try? NotificationDocument.decode(draft.payload) else {
            throw CommandError(.configuration, "cannot render a test message for channel '\(channel.name)'")
        }
        return document
    }
}
