import Foundation
import Mustache
import Rules
import Watch

/// What a silence muted, told once it ends (`silence add --summary`): one message per rule it
/// muted, to that rule's channels, carrying the muted events as the rule's messages carry
/// theirs (Block Kit draws each post), under a title that says they were muted.
///
/// PagerDuty channels get none: their message is an incident per post.
///
/// The title names the silence by its number, not its comment: the comment is the user's
/// text, and a title is a template (`silence show N` gives the comment). Keyed by the silence,
/// so a cycle re-run after a crash queues the same drafts.
struct SilenceSummaries {
    let rules: [Rule]
    let renderers: [MessageRenderer]
    let channelKinds: [String: ChannelKind]
    let now: Date

    /// The drafts for one ended silence: a rule no longer loaded gets none (its channels are not
    /// known any more); nor does one whose events were all recorded before summaries existed.
    func drafts(_ ended: EndedSilence) -> [OutboxDraft] {
        var drafts: [OutboxDraft] = []
        for (index, rule) in rules.enumerated() {
            let events = ended.muted.filter { $0.rule == rule.name }.map(\.event)
            guard !events.isEmpty else { continue }
            let title = "🔕 While muted by silence \(ended.silence.id): {{count}} event(s) of {{rule}}"
            let renderer = MessageRenderer(title: try? MustacheTemplate(string: title), body: rule.body)
            let message = ThrottleGate.Message(groupKey: "", events: events, suppressed: nil)
            // Not to PagerDuty: its message is an incident per post, and a summary must not page
            // for what the silence was there to keep quiet.
            drafts += MessageDrafts(rule: rule, renderer: renderers[index], channelKinds: channelKinds)
                .drafts(message, now: now, keyGroup: "silence-\(ended.silence.id)", renderer: renderer)
                .filter { channelKinds[$0.channel] != .pagerduty }
        }
        return drafts
    }
}
