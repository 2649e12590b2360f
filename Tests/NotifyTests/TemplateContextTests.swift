import Foundation
import Rules
import Testing
import Watch

@testable import Notify

/// The rule checker warns about template names from `Rules.TemplateContext`; messages are built
/// by `MessageContext`. The two lists must name the same fields, or a valid template gets a
/// warning (or a typo none).
@Suite struct TemplateContextTests {
    /// Events that between them set every optional field: a posted post (delay fields), an
    /// overdue one, slides, a group, suppressed events and more events than are listed.
    static let subject = MessageSubject(
        rule: "r", severity: .critical, group: [(field: "platform", value: "tiktok")],
        events: [
            Fixtures.event("a", from: "pending_render", to: "posted"),
            Fixtures.event("b", from: "generated", to: "generated", kind: .overdue),
            Event(
                kind: .transition, from: "new", to: "failed",
                post: Fixtures.post("c", slides: 2), detectedAt: Fixtures.t0),
        ],
        suppressed: NotificationDocument.Suppressed(count: 2, since: Fixtures.t0))

    @Test func postFieldsAreExactlyWhatEachListedPostCarries() {
        let context = MessageContext(subject: Self.subject, format: .slack)
        let keys = Set(Self.subject.events.flatMap { context.post($0).keys })
        #expect(keys == Set(TemplateContext.postFields))
    }

    @Test func topLevelNamesAreExactlyWhatAMessageCarries() {
        let context = MessageContext(subject: Self.subject, format: .slack).build(listed: 2)
        #expect(Set(context.keys).subtracting(TemplateContext.sharedPostFields) == Set(TemplateContext.messageFields))
        // Shared fields appear at the top only when every listed post has the same value.
        let single = MessageContext(
            subject: MessageSubject(rule: "r", severity: .warning, events: [Fixtures.event()]), format: .slack
        ).build(listed: 1)
        #expect(Set(TemplateContext.sharedPostFields).isSubset(of: single.keys))
    }
}
