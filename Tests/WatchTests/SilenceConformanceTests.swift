import Foundation
import Testing
@testable import Watch

/// The silence contract (``Store/addSilence(_:)`` and the rest, ``CycleCommit/silenced``) as
/// every store keeps it, run once per ``StoreFactory``.
@Suite struct SilenceConformanceTests {
    static func draft(_ matcher: String = #"accountId = "acc_1""#, from start: TimeInterval = 0, hours: Double = 2) -> SilenceDraft {
        SilenceDraft(
            matcher: matcher, startsAt: Fixture.t0.addingTimeInterval(start),
            endsAt: Fixture.t0.addingTimeInterval(start + hours * 3_600), createdAt: Fixture.t0, author: "ana",
            comment: "TikTok outage")
    }

    @Test(arguments: StoreFactory.all)
    func aSilenceIsStoredWithAnIdThatCountsUp(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let first = try await store.addSilence(Self.draft())
        let second = try await store.addSilence(Self.draft(#"platform = tiktok"#, from: 3_600))
        #expect(first.id == 1 && second.id == 2)
        #expect(first.matcher == #"accountId = "acc_1""# && first.author == "ana" && first.comment == "TikTok outage")
        #expect(first.endsAt == Fixture.t0.addingTimeInterval(7_200) && first.expiredAt == nil)
        #expect(try await store.silence(id: 2) == second)
        #expect(try await store.silence(id: 3) == nil)
        #expect(try await store.silences(endingAfter: nil) == [first, second])
    }

    /// "Current" is every silence not over yet: the active one and the pending one, not the ended.
    @Test(arguments: StoreFactory.all)
    func currentSilencesAreThoseNotOverYet(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let active = try await store.addSilence(Self.draft())
        let pending = try await store.addSilence(Self.draft(from: 3_600))
        let over = try await store.addSilence(Self.draft(hours: 0.5))
        let now = Fixture.t0.addingTimeInterval(1_800)
        #expect(try await store.silences(endingAfter: now) == [active, pending])
        #expect([active, pending, over].map { $0.state(at: now) } == [.active, .pending, .expired])
        #expect(try await store.silences(endingAfter: nil).count == 3)
    }

    @Test(arguments: StoreFactory.all)
    func expiringEndsASilenceNowAndKeepsItsRow(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let silence = try await opened.store.addSilence(Self.draft())
        let now = Fixture.t0.addingTimeInterval(600)
        let expired = try #require(try await opened.store.expireSilence(id: silence.id, at: now))
        #expect(expired.endsAt == now && expired.expiredAt == now)
        #expect(expired.state(at: now) == .expired)
        // Expiring again changes nothing: it ended when it ended.
        let again = try await opened.store.expireSilence(id: silence.id, at: now.addingTimeInterval(60))
        #expect(again == expired)
        #expect(try await opened.store.expireSilence(id: 99, at: now) == nil)
        #expect(try await opened.store.silences(endingAfter: now).isEmpty)
        #expect(try await opened.reopen().silences(endingAfter: nil) == [expired])
    }

    /// A silence that ran its course is not "expired early": expiring it later keeps its end.
    @Test(arguments: StoreFactory.all)
    func expiringASilenceThatRanOutChangesNothing(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let silence = try await store.addSilence(Self.draft(hours: 1))
        let later = try await store.expireSilence(id: silence.id, at: Fixture.t0.addingTimeInterval(7_200))
        #expect(later == silence)
    }

    @Test(arguments: StoreFactory.all)
    func mutedEventsAreRecordedWithTheirCycleAndSilence(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let store = opened.store
        let silence = try await store.addSilence(Self.draft())
        var commit = Fixture.cycle()
        let event = Fixture.event("p1")
        commit.events = [event, Fixture.event("p2")]
        commit.silenced = [
            SilencedEvent(rule: "Failed posts", silenceId: silence.id, event: event),
            SilencedEvent(rule: "Everything", silenceId: silence.id, event: event),
        ]
        try await store.commit(commit)
        try await store.commit(Fixture.cycle(at: Fixture.t0.addingTimeInterval(60)))
        let recorded = try await opened.reopen().silencedEvents(silenceId: silence.id, limit: 10)
        #expect(recorded.map(\.rule) == ["Failed posts", "Everything"])
        #expect(recorded.allSatisfy {
            $0.cycleId == 1 && $0.postId == "p1" && $0.accountId == event.post.accountId && $0.kind == "transition"
                && $0.from == "generated" && $0.to == "failed" && $0.detectedAt == Fixture.t0
        })
        #expect(try await store.silencedEvents(silenceId: 2, limit: 10).isEmpty)
        #expect(try await store.silencedEvents(silenceId: nil, limit: 1).count == 1)
    }

    /// A silence that asked for a summary is owed one once it has ended, with its muted events
    /// (posts and all), until a commit marks it summarised; one without `summary` never is.
    @Test(arguments: StoreFactory.all)
    func anEndedSilenceOwesItsSummaryOnce(_ factory: StoreFactory) async throws {
        let opened = try factory.make()
        let store = opened.store
        var draft = Self.draft()
        draft.summary = true
        let silence = try await store.addSilence(draft)
        #expect(silence.summary)
        let quiet = try await store.addSilence(Self.draft())
        var commit = Fixture.cycle()
        let events = [Fixture.event("p1"), Fixture.event("p2")]
        commit.events = events
        commit.silenced = events.map { SilencedEvent(rule: "Failed posts", silenceId: silence.id, event: $0) }
            + [SilencedEvent(rule: "Failed posts", silenceId: quiet.id, event: events[0])]
        try await store.commit(commit)
        #expect(try await store.endedSilences(at: Fixture.t0.addingTimeInterval(3_600)).isEmpty, "still running")
        let end = Fixture.t0.addingTimeInterval(2 * 3_600)
        let owed = try await opened.reopen().endedSilences(at: end)
        #expect(owed.map(\.silence.id) == [silence.id] && owed.first?.silence.summary == true)
        #expect(owed.first?.muted == commit.silenced.prefix(2).map { $0 }, "the muted events as they were routed")
        var summarized = Fixture.cycle(at: end)
        summarized.summarizedSilences = [silence.id]
        try await store.commit(summarized)
        #expect(try await store.endedSilences(at: end.addingTimeInterval(60)).isEmpty, "summarised once")
    }

    /// Muted events are history (pruned with the events); silences are not.
    @Test(arguments: StoreFactory.all)
    func pruningTakesOldMutedEventsAndKeepsTheSilences(_ factory: StoreFactory) async throws {
        let store = try factory.make().store
        let silence = try await store.addSilence(Self.draft())
        var commit = Fixture.cycle()
        commit.silenced = [SilencedEvent(rule: "r", silenceId: silence.id, event: Fixture.event("p1"))]
        try await store.commit(commit)
        try await store.commit(Fixture.cycle(at: Fixture.t0.addingTimeInterval(86_400 * 30)))
        _ = try await store.prune(before: Fixture.t0.addingTimeInterval(86_400), batchSize: 100, maxBatches: 10)
        #expect(try await store.silencedEvents(silenceId: nil, limit: 10).isEmpty)
        #expect(try await store.silence(id: silence.id) == silence)
    }
}
