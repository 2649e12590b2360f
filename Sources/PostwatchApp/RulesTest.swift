import Foundation
import Infinipost
import Notify
import Rules
import Watch

/// `postwatch rules test`: which rules fire for the events in some JSON files, and what each
/// channel would receive. Sends nothing.
///
/// Exit 0 when nothing of severity warning or critical fires, 1 when something does (like
/// `check`), 2 when the rules or an event file have an error.
public enum RulesTest {
    public struct Options: Sendable {
        public var path: String
        public var eventFiles: [String]
        public var environment: [String: String]

        public init(path: String, eventFiles: [String], environment: [String: String]) {
            self.path = path
            self.eventFiles = eventFiles
            self.environment = environment
        }
    }

    public static func run(_ options: Options) -> RulesCommandOutput {
        let set: RuleSet
        do {
            // Nothing is sent, so secrets that are not set are no reason to refuse.
            set = try RuleSet.load(path: options.path, environment: options.environment, requireSecrets: false)
        } catch {
            let text = error.diagnostics.map { $0.description + "\n" }.joined()
            return RulesCommandOutput(stderr: text + "\(options.path): \(RuleLoadError.summary(error.diagnostics)); nothing loaded\n", exitCode: 2)
        }
        guard !options.eventFiles.isEmpty else {
            return RulesCommandOutput(stderr: "give one or more event files: postwatch rules test EVENT.json…\n", exitCode: 2)
        }
        var events: [RulesTestEvent] = []
        for file in options.eventFiles {
            do {
                events += try RulesTestEvent.load(path: file)
            } catch {
                return RulesCommandOutput(stderr: "error: \(error.message)\n", exitCode: 2)
            }
        }
        var out = set.warnings.map { $0.description + "\n" }.joined()
        var highest: Severity?
        var fired = 0
        for event in events {
            out += "\(event.label): \(event.post.postId) (\(event.post.platform) \(event.post.contentType)) \(event.eventText)\n"
            let firing = firingRules(set, for: event)
            let resolving = resolvingRules(set, for: event, firing: firing.map(\.0.name))
            if firing.isEmpty && resolving.isEmpty { out += "  no rule fires\n" }
            for (rule, firedEvent) in firing {
                fired += 1
                highest = max(highest ?? rule.severity, rule.severity)
                out += "  fires \"\(rule.name)\" (\(rule.severity.rawValue)) -> \(rule.channels.joined(separator: ", "))\n"
                let mute = WindowMute(now: event.now)
                if let reason = mute.reason(rule.muteDuring) {
                    out += "    held: \(reason)\n"
                    continue
                }
                out += Self.schedules(of: rule, at: event.now)
                for name in rule.channels {
                    guard let channel = set.channels[name] else { continue }
                    if let reason = mute.reason(channel.muteDuring) {
                        out += "    [\(name)] held: \(reason)\n"
                        continue
                    }
                    if channel.kind == .pagerduty {
                        // PagerDuty shows one incident per post, under its own summary.
                        let incident = PagerDutyChannel.preview(rule, event: firedEvent, at: event.now)
                        out += "    [\(name)] PagerDuty trigger \(incident.dedupKey): \(incident.summary)\n"
                        continue
                    }
                    // Routing's own render stage: what a channel of this kind would receive.
                    let message = MessageDrafts.preview(rule, events: [firedEvent], kind: channel.kind)
                    out += "    [\(name)] \(message.title)\n"
                    for line in message.body.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                        out += "      \(line)\n"
                    }
                }
            }
            for (rule, channels) in resolving {
                out += "  resolves \"\(rule.name)\" (its open alerts of this post) -> \(channels.joined(separator: ", "))\n"
                for name in channels {
                    guard let channel = set.channels[name] else { continue }
                    if channel.kind == .pagerduty {
                        out += "    [\(name)] PagerDuty resolve \(PagerDutyChannel.preview(rule, event: event.event(), at: event.now).dedupKey)\n"
                        continue
                    }
                    out += "    [\(name)] \(Resolutions.preview(rule, events: [event.event()], kind: channel.kind).title)\n"
                }
            }
        }
        out += "\(RulesLint.count(events.count, "event")), \(fired) firing\(highest.map { "; highest severity \($0.rawValue)" } ?? "")\n"
        let exitCode: Int32 = (highest ?? .info) >= .warning ? 1 : 0
        return RulesCommandOutput(stdout: out, exitCode: exitCode)
    }

    /// What a rule's `digest` and `repeat` do with the event at `now`, one line each.
    static func schedules(of rule: Rule, at now: Date) -> String {
        var out = ""
        if let digest = rule.digest, let next = digest.next(after: now) {
            out += "    collected for the digest at \(WindowMute.timestamp(next, in: digest.timeZone)) (one message per group)\n"
        }
        if let reminder = rule.reminder {
            out += "    reminded every \(reminder.interval.compactDescription) while \(reminder.state.rawValue), at most \(reminder.limit) times\n"
        }
        return out
    }

    /// The rules this event would resolve (those not firing for it), with the channels that
    /// would get a resolve if the post's alert is open there.
    static func resolvingRules(_ set: RuleSet, for event: RulesTestEvent, firing: [String]) -> [(Rule, [String])] {
        guard event.kind != .overdue else { return [] }
        let kinds = set.channels.mapValues(\.kind)
        return set.rules.compactMap { rule in
            guard !firing.contains(rule.name) else { return nil }
            let channels = Resolutions.channels(of: rule, resolvedBy: event.event(), channelKinds: kinds)
            return channels.isEmpty ? nil : (rule, channels)
        }
    }

    /// Each firing rule with the event it fired on (overdue events try each threshold passed),
    /// matched by routing's own match stage.
    static func firingRules(_ set: RuleSet, for event: RulesTestEvent) -> [(Rule, Event)] {
        var result: [(Rule, Event)] = []
        for rule in set.rules {
            var candidates = [event.event()]
            if event.kind == .overdue {
                let late = Int(event.now.timeIntervalSince(event.post.scheduledTime))
                candidates = rule.overdueThresholds.filter { $0 <= late }.map { event.event(overdueSeconds: $0) }
            }
            if let first = RuleMatches(rules: [rule], events: candidates).indices[0].first {
                result.append((rule, candidates[first]))
            }
        }
        return result
    }
}
