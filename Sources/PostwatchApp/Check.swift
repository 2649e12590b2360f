import Foundation
import Infinipost
import Logging
import Notify
import Rules
import Timekeeping
import Watch

/// `postwatch check`: one cycle, delivery of what it queued (waiting a bounded time for
/// retries), a summary, and an exit code a CI job can act on.
public struct Check: Sendable {
    public enum Output: String, Sendable, CaseIterable { case text, json }

    public struct Options: Sendable {
        /// The baseline window: on a first run, report posts scheduled this long ago or later.
        public var since: Duration?
        public var output: Output
        /// Evaluate and render, send nothing, save nothing.
        public var dryRun: Bool
        /// How long to keep retrying deliveries before leaving them in the outbox (exit 4).
        public var deliveryTimeout: Duration
        /// The report lists only the events that fired a rule (`--events fired`): a first run
        /// over 50,000 posts otherwise prints every one of them.
        public var onlyFiredEvents: Bool

        public init(
            since: Duration? = nil, output: Output = .text, dryRun: Bool = false, deliveryTimeout: Duration = .seconds(60),
            onlyFiredEvents: Bool = false
        ) {
            self.since = since
            self.output = output
            self.dryRun = dryRun
            self.deliveryTimeout = deliveryTimeout
            self.onlyFiredEvents = onlyFiredEvents
        }
    }

    let settings: Settings
    let options: Options
    let logger: Logger
    let write: @Sendable (String) -> Void

    public init(settings: Settings, options: Options, logger: Logger, write: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.options = options
        self.logger = logger
        self.write = write
    }

    /// Runs the check; the report is written to `write`, errors are thrown with their exit code.
    public func run() async throws(CommandError) -> ExitStatus {
        // With JSON on stdout, console channels must not mix their text into it.
        let console: @Sendable (String) -> Void = options.output == .json ? PostwatchLogHandler.standardError : write
        var settings = settings
        let shared = settings.state.isShared
        // A shared store is not copied: a dry run there writes nothing but a first cycle's
        // staged posts, which the lease fences (so it needs a baseline, or no other replica).
        let scratch = options.dryRun && !shared ? try Self.dryRunCopy(of: settings.statePath) : nil
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch.folder) } }
        if let scratch {
            settings.statePath = scratch.path
            settings.state = .file(scratch.path)
        }
        // A dry run reads its own scratch copy: it may run beside a daemon.
        let lock = options.dryRun || shared ? nil : try StateLock(statePath: settings.statePath)
        defer { withExtendedLifetime(lock) {} }
        let pipeline = try Pipeline(settings: settings, logger: logger, console: console)
        try await pipeline.prepareStore()
        let router = NotificationRouter(ruleSet: pipeline.rules)
        let poller = pipeline.poller(since: options.since.map(\.secondsValue), router: router)
        let now = pipeline.clock.now
        let cycle: CycleReport
        do {
            let keeper = options.dryRun ? nil : pipeline.leaseKeeper()
            cycle = try await Self.leading(keeper, pipeline: pipeline) {
                try await poller.runOnce(now: now, dryRun: options.dryRun)
            }
        } catch let error as CommandError {
            throw error
        } catch {
            throw Pipeline.commandError(for: error)
        }

        var notifications = CheckReport.Notifications(queued: cycle.notifications, delivered: 0, pending: 0, dead: 0)
        if options.dryRun {
            notifications.queued = 0
            for draft in cycle.drafts {
                if let document = try? NotificationDocument.decode(draft.payload) {
                    logger.debug("would notify", metadata: ["rule.name": "\(draft.rule)", "channel.name": "\(draft.channel)"])
                    // `console`: on stderr with --output json, so stdout stays one JSON document.
                    console("── would send to \(draft.channel) (\(document.channelKind)) ──\n\(document.message.title)\n\(document.message.body)\n")
                }
            }
        } else {
            let delivery = pipeline.delivery(logger: logger)
            let result = await delivery.drain(until: pipeline.clock.now.addingTimeInterval(options.deliveryTimeout.secondsValue))
            notifications.delivered = result.delivered
            let depth = (try? await pipeline.store.depth()) ?? [:]
            notifications.pending = depth[.pending] ?? 0
            // A permanent refusal (a 4xx other than 408/429) is dead at once: count it, or a
            // misconfigured webhook would pass as "all delivered".
            notifications.dead = result.dead + result.failed
            // After delivery, so a CI job's notifications never wait for it; a check run every
            // few minutes finds little to prune, and a long backlog is bounded by the batch budget.
            do {
                _ = try await pipeline.pruner().prune(now: now)
            } catch {
                logger.warning("history not pruned", metadata: ["error": "\(error)"])
            }
        }

        // Which silence muted which (event, rule): the report marks those matches.
        var mutedBy: [SilencedMatch: Int64] = [:]
        for muted in cycle.silenced { mutedBy[SilencedMatch(event: muted.event, rule: muted.rule)] = muted.silenceId }
        // And which window held a match from its whole rule.
        var heldBy: [SilencedMatch: String] = [:]
        for held in cycle.muted where held.channel == nil { heldBy[SilencedMatch(event: held.event, rule: held.rule)] = held.window }
        var report = CheckReport(
            cycle: .init(
                startedAt: cycle.startedAt, durationMilliseconds: Int(cycle.duration.secondsValue * 1000), posts: cycle.posts,
                pages: cycle.pages, baseline: cycle.result == .baseline, dryRun: options.dryRun,
                held: cycle.held, rejected: cycle.rejected,
                muted: cycle.muted.map { "\"\($0.rule)\" \($0.postId)\($0.channel.map { " [\($0)]" } ?? ""): \($0.reason)" }),
            events: cycle.events.enumerated().map { index, event in
                CheckReport.Event(
                    kind: event.kind.rawValue, from: event.from, to: event.to, postId: event.post.postId,
                    accountId: event.post.accountId, platform: event.post.platform.rawValue,
                    contentType: event.post.contentType.rawValue, scheduledTime: event.post.scheduledTime,
                    timezone: event.post.timezone,
                    // The router routed with `pipeline.rules`, so every name is found there.
                    rules: cycle.fired(at: index).compactMap { name in
                        pipeline.rules.rule(named: name).map {
                            CheckReport.FiredRule(
                                name: $0.name, severity: $0.severity, silence: mutedBy[SilencedMatch(event: event, rule: $0.name)],
                                window: heldBy[SilencedMatch(event: event, rule: $0.name)])
                        }
                    })
            },
            notifications: notifications, exitCode: 0, error: nil)
        if options.onlyFiredEvents {
            report.eventsLeftOut = report.events.count(where: { $0.rules.isEmpty })
            report.events.removeAll { $0.rules.isEmpty }
        }
        // A fired rule outranks undelivered notifications: a CI job must fail on it either way.
        let undelivered = notifications.pending > 0 || notifications.dead > 0
        let status: ExitStatus = !report.firedAlerting.isEmpty ? .ruleFired : (undelivered ? .undelivered : .ok)
        if status == .ruleFired && undelivered {
            // The exit code can say one thing: a job that gets 1 must still learn that mail is stuck.
            logger.warning(
                "some notifications are not delivered yet (exit 4), outranked by a fired rule (exit 1); see postwatch outbox list",
                metadata: ["outbox.pending": "\(notifications.pending)", "outbox.dead": "\(notifications.dead)"])
        }
        report.exitCode = status.rawValue
        write(options.output == .json ? report.json() + "\n" : report.text())
        return status
    }
}

extension Check {
    /// Runs `cycle` holding the shared store's lease, renewed while it runs and given up
    /// after it (a daemon's follower takes over at once); without a keeper (a state file, a
    /// dry run), just runs it. While another replica leads, refuses: two pollers would each
    /// notify what the other already did.
    static func leading(
        _ keeper: LeaseKeeper?, pipeline: Pipeline, cycle: @escaping @Sendable () async throws -> CycleReport
    ) async throws -> CycleReport {
        guard let keeper else { return try await cycle() }
        guard await keeper.attempt().role == .leader else {
            let current = try? await pipeline.leadership?.currentLease()
            let who = current.map { "replica '\($0.holder)' holds the lease until \($0.expiresAt.formatted(.iso8601))" }
                ?? "the shared state store did not answer (see the warning above)"
            throw CommandError(
                .configuration,
                "check runs a cycle only while no replica polls: \(who); stop the daemons first, or use --dry-run",
                code: "leased")
        }
        let report: CycleReport
        do {
            report = try await withThrowingTaskGroup(of: CycleReport?.self) { group in
                group.addTask {
                    await keeper.keep()
                    return nil
                }
                group.addTask { try await cycle() }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch {
            await keeper.release()
            throw error
        }
        await keeper.release()
        return report
    }

    /// A dry run works on a copy of the state file in a scratch folder: opening SQLite can
    /// create the file, run migrations or checkpoint its WAL, and a dry run must leave the
    /// state exactly as it was (a missing state file stays missing).
    ///
    /// The folder is made beside the state file, whose volume is sized for it (a first cycle
    /// stages every post in the copy), and in the temporary directory only when the state's
    /// directory is not writable: /tmp is small where postwatch is deployed.
    static func dryRunCopy(of statePath: String) throws(CommandError) -> (folder: URL, path: String) {
        let manager = FileManager.default
        let name = ".postwatch-dry-run-\(UUID().uuidString)"
        let beside = URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent(name)
        let folder = (try? manager.createDirectory(at: beside, withIntermediateDirectories: false)) != nil
            ? beside : manager.temporaryDirectory.appendingPathComponent(name)
        let copy = folder.appendingPathComponent("state.sqlite").path
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where manager.fileExists(atPath: statePath + suffix) {
                try manager.copyItem(atPath: statePath + suffix, toPath: copy + suffix)
            }
        } catch {
            try? manager.removeItem(at: folder)
            throw CommandError(.configuration, "cannot copy the state file '\(statePath)' for a dry run: \(error)")
        }
        return (folder, copy)
    }
}

/// An event and a rule it matched: the key of the silences that muted matches.
private struct SilencedMatch: Hashable {
    var event: Watch.Event
    var rule: String
}
