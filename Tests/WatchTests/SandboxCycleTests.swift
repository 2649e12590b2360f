import Foundation
import Curl
import Infinipost
import Sandbox
import TestSupport
import Testing
@testable import Watch

/// The cycle over real HTTP: the sandbox, `InfinipostClient` on libcurl, a real SQLite file.
@Suite struct SandboxCycleTests {
    static func poller(
        _ server: SandboxServer, store: SQLiteStore, thresholds: [Int] = [],
        configuration: PollerConfiguration = PollerConfiguration()
    ) -> Poller {
        let client = InfinipostClient(
            configuration: InfinipostConfiguration(baseURL: server.baseURL, apiKey: server.apiKey, retry: .none),
            transport: CurlTransport())
        return Poller(
            listing: client, store: store, router: PerEventRouter(overdueThresholds: thresholds),
            configuration: configuration)
    }

    static func store() throws -> SQLiteStore { try SQLiteStore(path: Fixture.tempPath()) }

    @Test func baselineThenEachKindOfEventThenSilence() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 400)) { server in
            let store = try Self.store()
            let poller = Self.poller(server, store: store, thresholds: [600])
            let now = Date()
            let baseline = try await poller.runOnce(now: now)
            #expect(baseline.result == .baseline)
            #expect(baseline.events.isEmpty)
            #expect(baseline.posts == 400)

            let posts = server.sandbox.posts()
            let moving = try #require(posts.first { $0.status == .generated })
            let gone = try #require(posts.first { $0.status == .posted })
            server.sandbox.setStatus(moving.postId, to: .pendingRender)
            server.sandbox.delete(gone.postId)
            var fresh = moving
            fresh.postId = "post_brandnewfail"
            fresh.status = .failed
            server.sandbox.add(fresh)
            var stuck = moving
            stuck.postId = "post_stuckforever"
            stuck.status = .generated
            stuck.scheduledTime = now.addingTimeInterval(-3600)
            server.sandbox.add(stuck)

            let second = try await poller.runOnce(now: now.addingTimeInterval(60))
            #expect(Set(second.summaries) == [
                "post_brandnewfail new>failed", "\(moving.postId) generated>pending_render",
                "post_stuckforever new>generated", "post_stuckforever overdue:600",
            ])
            let third = try await poller.runOnce(now: now.addingTimeInterval(120))
            #expect(third.summaries == ["\(gone.postId) posted>deleted"])
            for i in 3..<13 {
                let report = try await poller.runOnce(now: now.addingTimeInterval(Double(i) * 60))
                #expect(report.events.isEmpty)
                #expect(report.rowsWritten == 1)
            }
            #expect(try await store.depth()[.pending] == 5)
        }
    }

    @Test func aFailedPageAbortsTheCycleAndTheNextFindsTheEvents() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 600)) { server in
            let store = try Self.store()
            let poller = Self.poller(server, store: store, configuration: PollerConfiguration(
                partitioning: .none))
            _ = try await poller.runOnce(now: Date())
            let target = try #require(server.sandbox.posts().first { $0.status == .generated })
            server.sandbox.setStatus(target.postId, to: .failed)
            // The third page of the single chain fails: the first two were fine.
            server.sandbox.enqueueFaults([.delay(.zero), .delay(.zero), .internalError])
            await #expect(throws: CycleError.self) { try await poller.runOnce(now: Date()) }
            #expect(try await store.events(after: 0, limit: 10).isEmpty)
            #expect(try await store.cycles(limit: 1).first?.result == .failed)
            let report = try await poller.runOnce(now: Date())
            #expect(report.summaries == ["\(target.postId) generated>failed"])
        }
    }

    @Test func accountScopeAndNothingToFailed() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 300)) { server in
            let store = try Self.store()
            let accounts = server.sandbox.accountIds
            let mine = accounts[0]
            let poller = Self.poller(server, store: store, configuration: PollerConfiguration(accounts: [mine]))
            let baseline = try await poller.runOnce(now: Date())
            #expect(baseline.posts == server.sandbox.posts().filter { $0.accountId == mine }.count)
            let template = try #require(server.sandbox.posts().first)
            for (index, account) in accounts.prefix(2).enumerated() {
                var post = template
                post.postId = "post_failednow\(index)"
                post.accountId = account
                post.status = .failed
                server.sandbox.add(post)
            }
            let report = try await poller.runOnce(now: Date())
            #expect(report.summaries == ["post_failednow0 new>failed"])
            let requests = server.sandbox.requests()
            #expect(requests.allSatisfy { $0.parameters["accountId"] == mine })
        }
    }

    /// An API whose pagination never ends (a fresh cursor on every page, the same posts) once
    /// kept a cycle busy for good. Now the cycle stops at its page budget, from the posts last
    /// seen, applies nothing, and the next cycle against a sane API finds the change.
    @Test func endlessPaginationStopsAtThePageBudgetAndAppliesNothing() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 250)) { server in
            let store = try Self.store()
            var configuration = PollerConfiguration(partitioning: .none)
            configuration.limits = ListingLimits(factor: 4, marginPages: 10)
            let poller = Self.poller(server, store: store, configuration: configuration)
            _ = try await poller.runOnce(now: Date())
            let target = try #require(server.sandbox.posts().first { $0.status == .generated })
            server.sandbox.setStatus(target.postId, to: .failed)
            server.sandbox.setPersistentFault(.endlessPages)
            let before = server.sandbox.requests().count

            let error = await #expect(throws: CycleError.self) { try await poller.runOnce(now: Date()) }
            let message = error?.message ?? ""
            #expect(error?.code == .listing)
            #expect(message.contains("the API kept returning pages: 27 pages"), "\(message)")
            // 250 posts are 3 pages, one listing: 4 × (3 + 1) + 10 = 26 pages, and the 27th stops it.
            #expect(server.sandbox.requests().count - before == 27)
            #expect(try await store.events(after: 0, limit: 10).isEmpty)
            #expect(try await store.cycles(limit: 1).first?.result == .failed)

            server.sandbox.setPersistentFault(nil)
            let report = try await poller.runOnce(now: Date())
            #expect(report.summaries == ["\(target.postId) generated>failed"])
        }
    }

    /// Pages that each arrive in time but never stop: the cycle's listing deadline ends it.
    @Test func aListingPastItsDeadlineIsAbandoned() async throws {
        try await SandboxServer.with(SandboxServer.testConfiguration(posts: 50)) { server in
            let store = try Self.store()
            var configuration = PollerConfiguration(partitioning: .none)
            configuration.limits = ListingLimits(firstCyclePages: 1_000_000, deadline: .milliseconds(500))
            let poller = Self.poller(server, store: store, configuration: configuration)
            server.sandbox.setPersistentFault(.endlessPages)
            let started = ContinuousClock.now
            let error = await #expect(throws: CycleError.self) { try await poller.runOnce(now: Date()) }
            let message = error?.message ?? ""
            #expect(message.contains("the API kept returning pages"), "\(message)")
            #expect(message.contains("0.5 seconds"), "\(message)")
            // Only bounds a hang ("0.5 seconds" above shows the deadline ended it): a 2-core
            // machine running the suite in parallel beside two builds took up to 15.5 s.
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(try await store.cycles(limit: 1).first?.result == .failed)
            #expect(try await store.stagedCount() == 0)
        }
    }
}
