import Foundation
import Testing
import TestSupport

/// The test that finds the rest (issue 11): long seeded random histories through the whole
/// pipeline — sandbox over HTTP with API faults, `postwatch check` cycles killed at random, rules
/// with `group by`, `throttle` and several channels, flaky webhooks and an SMTP server — checked
/// against an independent reference model of DESIGN.md's transition semantics.
///
/// `POSTWATCH_MODEL_SEED` replays a seed (each run prints its own); `POSTWATCH_MODEL_STEPS` sets
/// the length (`make soak` runs long histories over several seeds).
// One test; serialized so that an added test would not share the cores with this long one.
@Suite(.serialized)
struct ModelTests {
    static let defaultSteps = 2000

    @Test func randomHistoriesDeliverExactlyWhatTheReferenceModelExpects() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["POSTWATCH_MODEL_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let steps = environment["POSTWATCH_MODEL_STEPS"].flatMap { Int($0) } ?? Self.defaultSteps
        print("model test: POSTWATCH_MODEL_SEED=\(seed) POSTWATCH_MODEL_STEPS=\(steps)")
        let fixture = try await Fixture.start(smtp: true, posts: 30, seed: seed)
        let run = ModelRun(fixture: fixture, seed: seed, steps: steps)
        do {
            try await run.play()
        } catch {
            await fixture.finish()
            throw error
        }
        let (discrepancies, undocumentedValue) = run.compare()
        print(run.figures)
        withKnownIssue(
            """
            a post whose status or platform the API does not document is not listed by the filtered partitions: \
            its transitions are reported late, from the wrong status, or not at all (docs/testing.md)
            """,
            isIntermittent: true
        ) {
            for discrepancy in undocumentedValue.prefix(10) { Issue.record("seed \(seed): \(discrepancy)") }
        }
        for discrepancy in discrepancies.prefix(40) {
            Issue.record("seed \(seed): \(discrepancy)")
        }
        #expect(discrepancies.count <= 40, "seed \(seed): \(discrepancies.count) discrepancies in all")
        await fixture.finish()
    }
}
