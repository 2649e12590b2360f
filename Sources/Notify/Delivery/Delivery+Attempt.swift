import Curl
import Foundation
import Timekeeping
import Logging
import Watch

extension Delivery {
    /// One send of `document` in an unstructured task (a send in flight finishes even when the
    /// delivery loop is cancelled), with the transfer deadline, the pacing of its further
    /// requests and the log of the peer's answers as task-local values.
    static func send(
        _ document: NotificationDocument, to addresses: [String]?, through channel: any Channel, deadline: ContinuousClock.Instant?,
        pace: @escaping @Sendable () async -> Bool, answers: TransferAnswers
    ) async -> DeliveryFailure? {
        await CurlTransport.$deadline.withValue(deadline) {
            await RequestPacing.$current.withValue(RequestPacing(wait: pace)) {
                await CurlTransport.$answers.withValue(answers) {
                    await Task { () -> DeliveryFailure? in
                        do throws(DeliveryFailure) {
                            if addresses?.isEmpty != true { try await channel.send(document, to: addresses) }
                            return nil
                        } catch {
                            return error
                        }
                    }.value
                }
            }
        }
    }

    /// Sends `entries` to one destination in order, each once permitted (``Watch/SendPermits``:
    /// the rate limit, and on a shared store the entry's claim); stops early (leaving the rest
    /// pending) when the task is cancelled, the next send would pass `deadline`, or no permit
    /// can be had (the store is unreachable).
    func deliver(_ entries: [OutboxEntry], to channel: (any Channel)?, channelName: String, deadline: Date?) async -> Report {
        var report = Report()
        for entry in entries {
            if Task.isCancelled { break }
            var logger = self.logger
            logger[metadataKey: "outbox.id"] = "\(entry.id)"
            logger[metadataKey: "channel.name"] = "\(channelName)"
            guard let channel else {
                let failure = DeliveryFailure(message: "channel '\(channelName)' is not declared in the loaded rules")
                report = report + (await record(failure, for: entry, channel: nil, logger: logger))
                continue
            }
            logger[metadataKey: "channel.kind"] = "\(channel.kind)"
            logger[metadataKey: "channel.destination"] = "\(channel.redactedDestination)"

            let destination = channel.permitKey
            let wait: Duration
            do {
                guard let permitted = try await permits.permit(
                    entry: entry.id, destination: destination, perSecond: channel.rateLimit?.perSecond,
                    burst: channel.rateLimit?.burst ?? 1, at: clock.now)
                else {
                    logger.notice("another replica took this notification over; not sent here")
                    report.handedOver += 1
                    continue
                }
                wait = permitted
            } catch {
                logger.error("cannot take a send permit; the destination waits for the next pass", metadata: ["error": "\(error)"])
                break
            }
            if let deadline, clock.now.addingTimeInterval(wait.secondsValue) > deadline { break }
            if wait > .zero {
                do { try await clock.sleep(for: wait) } catch { break }
            }

            let document: NotificationDocument
            do throws(DeliveryFailure) {
                document = try prepared(entry, for: channel)
            } catch {
                report = report + (await record(error, for: entry, channel: channel, logger: logger))
                continue
            }
            if document.isResolve, let earlier = await earlierPending(than: entry) {
                report = report + (await record(
                    DeliveryFailure(message: "a resolve waits for notification \(earlier.id), queued before it on this channel"),
                    for: entry, channel: channel, logger: logger, notBefore: earlier.nextAttemptAt))
                continue
            }
            // An email some of whose addresses were refused before goes to the waiting ones only.
            let addresses = entry.recipients.isEmpty ? nil : entry.recipients.pendingAddresses
            // A send in flight finishes even when the loop is being shut down: an unstructured
            // task does not inherit the cancellation. It does inherit the transfer deadline:
            // with one (check's --delivery-timeout), the send may take only the time left, so
            // the deadline bounds the whole delivery phase, in-flight attempts included (an
            // attempt cut short is a failure like a timeout: retried later, same key).
            let transferDeadline = deadline.map { ContinuousClock.now + .seconds(max(0, $0.timeIntervalSince(clock.now))) }
            // The requests after a send's first take a permit each (``RequestPacing``); a claim
            // lost mid-send stops it there, unmarked. So does a store that cannot be asked:
            // the claim lapses and the entry is sent again, same key, as after a crash.
            let stopped = SendStop()
            let pace: @Sendable () async -> Bool = { [permits, clock, logger] in
                let permitted: Duration?
                do {
                    permitted = try await permits.permit(
                        entry: entry.id, destination: destination, perSecond: channel.rateLimit?.perSecond,
                        burst: channel.rateLimit?.burst ?? 1, at: clock.now)
                } catch {
                    logger.error("cannot take a send permit; the send stops here", metadata: ["error": "\(error)"])
                    permitted = nil
                }
                guard var wait = permitted else {
                    stopped.raise()
                    return false
                }
                if let deadline { wait = min(wait, .seconds(max(0, deadline.timeIntervalSince(clock.now)))) }
                if wait > .zero { try? await clock.sleep(for: wait) }
                return true
            }
            // The peer's answers are noted for the history's delivery log; the time is the
            // attempt's own, measured, not the clock's.
            let answers = TransferAnswers()
            let (startedAt, started) = (clock.now, ContinuousClock.now)
            let result = await Self.send(
                document, to: addresses, through: channel, deadline: transferDeadline, pace: pace, answers: answers)
            let attempt = DeliveryAttempt(startedAt: startedAt, duration: ContinuousClock.now - started, answer: answers.last)
            if stopped.isRaised {
                logger.notice("the send stopped: another replica took this notification over, or its claim could not be checked")
                report.handedOver += 1
                continue
            }
            var recipients: [OutboxRecipient]?
            var failure = result
            if failure == nil, let addresses {
                let delivered = entry.recipients.updated(with: addresses.map { OutboxRecipient(address: $0, state: .delivered) })
                recipients = delivered
                if delivered.contains(where: { $0.state == .dead }) {
                    // Everyone waiting got it, but an address refused for good keeps the entry dead.
                    failure = DeliveryFailure(message: delivered.summary, isPermanent: true, recipients: delivered)
                }
            }
            if let failure {
                report = report + (await record(failure, for: entry, channel: channel, logger: logger, attempt: attempt))
                if failure.destinationGone {
                    // The rest of this batch was just marked dead with the channel's other entries.
                    report = report + (await recordGone(failure, channel: channel, channelName: channelName, logger: logger))
                    break
                }
            } else {
                do {
                    // Unstructured like the send: a shutdown's cancellation must not stop the mark.
                    try await Task { [outbox, clock] in try await outbox.markDelivered(entry.id, recipients: recipients, attempt: attempt, at: clock.now) }.value
                } catch {
                    logger.error("delivered, but cannot mark it in the outbox", metadata: ["error": "\(error)"])
                }
                logger.debug("notification delivered", metadata: ["outbox.attempts": "\(entry.attempts + 1)"])
                observe(Outcome(channel: channelName, channelKind: channel.kind, result: .delivered))
                report.delivered += 1
            }
        }
        return report
    }

    /// For a resolve: the entry of its channel queued before it and still pending, which it
    /// must not overtake (its trigger may be that entry, waiting for a retry: a resolve that
    /// reached PagerDuty first would close nothing, and the late trigger would open an incident
    /// for good). Nil when there is none, or when the outbox cannot tell (the send goes ahead).
    func earlierPending(than entry: OutboxEntry) async -> OutboxEntry? {
        guard let earlier = try? await outbox.oldestPending(channel: entry.draft.channel), earlier.id < entry.id else { return nil }
        return earlier
    }

    /// The entry's document, its message re-rendered with the defaults if the channel's kind
    /// changed since it was routed.
    func prepared(_ entry: OutboxEntry, for channel: any Channel) throws(DeliveryFailure) -> NotificationDocument {
        var document: NotificationDocument
        do {
            document = try NotificationDocument.decode(entry.draft.payload)
        } catch {
            throw DeliveryFailure(message: "the outbox payload cannot be read", isPermanent: true)
        }
        if document.message.format != channel.format {
            let subject = MessageSubject(
                rule: document.rule, severity: document.severity,
                group: document.group.sorted { $0.key < $1.key }.map { (field: $0.key, value: $0.value) },
                events: document.events, suppressed: document.suppressed)
            document.message = MessageRenderer().render(subject, format: channel.format)
        }
        return document
    }

    /// The destination is gone (``DeliveryFailure/destinationGone``): every other pending entry
    /// of the channel becomes dead now instead of failing for `deadAfter`, and one error line
    /// says why (the redacted destination is in the logger's metadata, never the URL).
    func recordGone(_ failure: DeliveryFailure, channel: any Channel, channelName: String, logger: Logger) async -> Report {
        var report = Report()
        let now = clock.now
        let message = "the destination is gone (\(failure.message)); not attempted"
        let count: Int
        do {
            count = try await Task { [outbox] in try await outbox.markPendingDead(channel: channelName, error: message, at: now) }.value
        } catch {
            logger.error("cannot mark the channel's pending notifications dead", metadata: ["error": "\(error)"])
            return report
        }
        logger.error(
            "the \(channel.kind) webhook is gone: its pending notifications are dead; declare a new one in the rules",
            metadata: ["error": "\(failure.message)", "outbox.dead": "\(count)"])
        for _ in 0..<count { observe(Outcome(channel: channelName, channelKind: channel.kind, result: .failed)) }
        report.failed += count
        return report
    }

    /// Marks a failed attempt: retried later with backoff, or dead when permanent or too old. An
    /// email answered address by address is retried while an address waits (a 4xx), for it alone.
    /// `notBefore`: the retry is no earlier than this (a resolve waiting for an earlier entry).
    /// `attempt`: the send as measured; nil when nothing was sent (the failure came before),
    /// which the delivery log still counts, as the outbox does.
    func record(
        _ failure: DeliveryFailure, for entry: OutboxEntry, channel: (any Channel)?, logger: Logger, notBefore: Date? = nil,
        attempt: DeliveryAttempt? = nil
    ) async -> Report {
        var report = Report()
        let now = clock.now
        let attempt = attempt ?? DeliveryAttempt(startedAt: now, duration: .zero)
        let attempts = entry.attempts + 1
        let deadline = entry.createdAt.addingTimeInterval(configuration.deadAfter.secondsValue)
        var recipients = entry.recipients.updated(with: failure.recipients)
        let permanent = failure.isPermanent || (!recipients.isEmpty && recipients.pendingAddresses.isEmpty)
        var next: Date?
        if !permanent && now < deadline {
            let delay = configuration.backoff.delay(attempt: attempts, retryAfter: failure.retryAfter, random: random())
            next = min(max(now.addingTimeInterval(delay.secondsValue), notBefore ?? now), deadline)
            if let retryAfter = failure.retryAfter, let channel {
                do {
                    try await permits.pause(destination: channel.permitKey, until: now.addingTimeInterval(retryAfter.secondsValue))
                } catch {
                    logger.error("cannot pause the destination as Retry-After asks", metadata: ["error": "\(error)"])
                }
            }
        }
        if next == nil {
            // Given up on: so is every address still waiting.
            recipients = recipients.map { OutboxRecipient(address: $0.address, state: $0.state == .pending ? .dead : $0.state, reply: $0.reply) }
        }
        do {
            try await Task { [outbox, recipients] in
                try await outbox.markFailed(
                    entry.id, error: failure.message, nextAttemptAt: next, recipients: recipients.isEmpty ? nil : recipients,
                    attempt: attempt, at: now)
            }.value
        } catch {
            logger.error("cannot record the failed attempt in the outbox", metadata: ["error": "\(error)"])
        }
        let kind = channel?.kind
        if let next {
            logger.warning(
                "delivery failed, will retry",
                metadata: ["error": "\(failure.message)", "outbox.attempts": "\(attempts)", "retry.at": "\(InfinipostTimeFormat.string(next))"])
            observe(Outcome(channel: entry.draft.channel, channelKind: kind, result: .retry))
            report.retrying += 1
        } else {
            // A gone destination is said once, for the whole channel (`recordGone`).
            logger.log(
                level: failure.destinationGone ? .debug : .error, "delivery failed for good, notification is dead",
                metadata: ["error": "\(failure.message)", "outbox.attempts": "\(attempts)", "permanent": "\(permanent)"])
            observe(Outcome(channel: entry.draft.channel, channelKind: kind, result: permanent ? .failed : .dead))
            if permanent { report.failed += 1 } else { report.dead += 1 }
        }
        return report
    }
}

/// ISO 8601 for log lines.
enum InfinipostTimeFormat {
    static func string(_ date: Date) -> String { date.formatted(.iso8601) }
}
