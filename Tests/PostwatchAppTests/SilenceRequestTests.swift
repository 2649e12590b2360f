import Foundation
import PostwatchApp
import Testing
import Watch

/// What `silence add` and `POST /api/v1/silences` both take: checked once, the same way.
@Suite struct SilenceRequestTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func refusal(_ request: SilenceRequest) -> SilenceRequestError? {
        do {
            _ = try request.draft(now: Self.now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodRequestBecomesADraftFromNow() throws {
        let draft = try silenceRequest().draft(now: Self.now)
        #expect(draft.startsAt == Self.now && draft.endsAt == Self.now.addingTimeInterval(7_200))
        #expect(draft.comment == "TikTok outage" && draft.author == "ana" && draft.createdAt == Self.now)
        let later = try silenceRequest(startsAt: 3_600, duration: nil, endsAt: 7_200).draft(now: Self.now)
        #expect(later.startsAt == Self.now.addingTimeInterval(3_600) && later.endsAt == Self.now.addingTimeInterval(7_200))
    }

    /// Checked as a rule's `where`: where it is wrong (line and column) and a suggestion.
    @Test func aBadConditionSaysWhereAndSuggests() throws {
        let error = try #require(refusal(silenceRequest(#"platform = tiktok and acountId = "acc_1""#)))
        #expect(error.field == "matcher" && error.line == 1 && error.column == 23)
        #expect(error.message.contains("matcher:1:23") && error.message.contains("did you mean 'accountId'"), "\(error.message)")
        let platform = try #require(refusal(silenceRequest("platform = tiktoc")))
        #expect(platform.message.contains("did you mean 'tiktok'"), "\(platform.message)")
    }

    @Test(arguments: [
        (silenceRequest(comment: "  "), "comment", "comment is required"),
        (silenceRequest(author: ""), "author", "author"),
        (silenceRequest(duration: .zero), "duration", "longer than 0s"),
        (silenceRequest(duration: .seconds(32 * 86_400)), "duration", "at most 31d"),
        (silenceRequest(duration: nil), "duration", "one of them"),
        (silenceRequest(endsAt: 60), "duration", "one of them"),
        (silenceRequest(duration: nil, endsAt: -60), "endsAt", "must end after it starts"),
        (silenceRequest(startsAt: -7_200, duration: nil, endsAt: -60), "endsAt", "already be over"),
    ])
    func badRequestsAreRefusedNamingTheInput(request: SilenceRequest, field: String, mention: String) throws {
        let error = try #require(refusal(request))
        #expect(error.field == field && error.message.contains(mention), "\(error)")
    }
}

/// A request of these fields (the rest as a good one has them).
func silenceRequest(
    _ matcher: String = #"accountId = "acc_1" and platform = tiktok"#, startsAt: TimeInterval? = nil,
    duration: Duration? = .seconds(7_200), endsAt: TimeInterval? = nil, comment: String = " TikTok outage\n",
    author: String = "ana"
) -> SilenceRequest {
    SilenceRequest(
        matcher: matcher, startsAt: startsAt.map(SilenceRequestTests.now.addingTimeInterval), duration: duration,
        endsAt: endsAt.map(SilenceRequestTests.now.addingTimeInterval), comment: comment, author: author)
}
