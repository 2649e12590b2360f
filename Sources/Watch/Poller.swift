import Foundation
import Infinipost
import Logging

/// What a ``Poller`` lists and how.
public struct PollerConfiguration: Sendable {
    /// The scope: all posts when empty, else these accounts.
    public var accounts: [String]
    public var partitioning: ListingPartitioning
    /// Chains in flight at once (the client multiplexes them on one libcurl multi handle).
    public var maxConcurrentListings: Int
    /// The baseline window (`--since`): on the first complete snapshot, posts with
    /// `scheduledTime ≥ now − since` emit events; nil: none do.
    public var since: TimeInterval?
    /// First cycle: posts a chain stages in the store at once (memory against round trips).
    public var stagingBatch = 2_000
    /// With `.statusPlatformContentType`, every this many cycles (the first one included,
    /// failed ones counted) lists by status alone, which names no platform or content type: a post on a
    /// platform the API added after this build is found then, and from then on every cycle
    /// lists by status (see ``StoredState/hasUndocumentedFilterValues``). 0: never.
    public var discoveryEvery = 10
    /// How many pages and how long a cycle may list (an API whose pagination never ends).
    public var limits = ListingLimits()
    /// Called after each page (from the chains' tasks, concurrently): a first run over many
    /// posts shows progress on a terminal instead of silence.
    public var progress: (@Sendable (ListingProgress) -> Void)?

    public init(
        accounts: [String] = [], partitioning: ListingPartitioning = .statusPlatformContentType,
        maxConcurrentListings: Int = 16, since: TimeInterval? = nil
    ) {
        self.accounts = accounts
        self.partitioning = partitioning
        self.maxConcurrentListings = maxConcurrentListings
        self.since = since
    }
}

/// One poll → snapshot → diff → route → commit cycle (DESIGN.md "Snapshots and transitions").
///
/// ```swift
/// let poller = Poller(listing: client, store: store, router: router)
/// let report = try await poller.runOnce(now: Date())
/// ```
/// A cycle is all or nothing: if any chain fails, the snapshot is thrown away and only a failed
/// cycle record is written; otherwise the new state, the events, their outbox entries and the
/// throttle state commit in one transaction. Cycles of one poller never overlap: a call made
/// while one runs waits for it (an actor alone would interleave them at every `await`).
public actor Poller {
    private let listing: any PostListing
    private let store: any Store
    private let router: any Router
    private let configuration: PollerConfiguration
    private let logger: Logger

    public init(
        listing: any PostListing, store: any Store, router: any Router,
        configuration: PollerConfiguration = PollerConfiguration(),
        logger: Logger = Logger(label: "postwatch.watch")
    ) {
        self.listing = listing
        self.store = store
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs one cycle; `now` is the cycle's time for overdue checks, the baseline window and
    /// `detectedAt`. Throws ``CycleError`` when nothing was applied. With `dryRun`, the cycle
    /// lists, diffs and routes as usual but writes nothing (`postwatch check --dry-run`).
    public func runOnce(now: Date, dryRun: Bool = false) async throws -> CycleReport {
        while running { await withCheckedContinuation { waiting.append($0) } }
        running = true
        defer {
            running = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await cycle(now: now, dryRun: dryRun)
    }

    private var running = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func cycle(now: Date, dryRun: Bool) async throws -> CycleReport {
        let clock = ContinuousClock()
        let start = clock.now
        let state: StoredState
        do {
            state = try await store.loadState()
        } catch {
            throw CycleError(.store, "cannot read the state: \(error)", underlying: error)
        }
        let queries = self.queries(for: state)
        let thresholds = router.overdueThresholds.filter { $0 >= 0 }
        let snapshot: Snapshot
        let postCount: Int
        let budget = ListingBudget(
            limits: configuration.limits,
            maxPages: configuration.limits.maxPages(
                storedPosts: state.posts.count, listings: queries.count, hasBaseline: state.hasBaseline),
            storedPosts: state.posts.count, startedAt: start)
        do {
            (snapshot, postCount) = try await self.snapshot(
                of: queries, state: state, now: now, thresholds: thresholds, budget: budget)
        } catch {
            if !state.hasBaseline { try? await store.clearStaged() }
            let staging = error as? StagingError
            let message = staging.map { "cannot stage the first cycle's posts: \($0.underlying)" }
                ?? "listing failed, snapshot discarded: \(error)"
            logger.warning("cycle not applied", metadata: ["error": "\(staging?.underlying ?? error)"])
            try? await store.recordFailedCycle(CycleRecord(
                startedAt: now, endedAt: now.addingTimeInterval((clock.now - start).secondsValue),
                result: .failed, error: message, listings: queries.count))
            throw CycleError(staging == nil ? .listing : .store, message, underlying: staging?.underlying ?? error)
        }
        let totals = (count: postCount, received: snapshot.received, pages: snapshot.pages)
        let (held, rejected) = (snapshot.held, snapshot.rejected)
        for (postId, why) in held.sorted(by: { $0.key < $1.key }).prefix(20) {
            logger.warning("post held until a cycle lists it consistently", metadata: ["post.id": "\(postId)", "why": "\(why)"])
        }
        if rejected > 0 {
            logger.warning("posts without a postId dropped", metadata: ["posts": "\(rejected)"])
        }
        // The snapshot ends with the diff: the diff's upserts are all the commit needs.
        var diff = Diff.compute(
            state: state, snapshot: consume snapshot, now: now, overdueThresholds: thresholds,
            since: configuration.since)
        var events = diff.events
        do {
            if !diff.deletions.isEmpty {
                let stored = try await store.storedPosts(ids: diff.deletions)
                events += Diff.deletedEvents(diff.deletions, stored: state.posts, posts: stored, at: now)
                events.sort(by: Diff.order)
            }
            // Every event of this cycle carries its number: the commit below records the cycle
            // under the id after the last one recorded (ids are never reused), so a repeat of the
            // same transition in a later cycle is a different occurrence with a different key,
            // while a cycle that failed before its commit queued nothing to collide with.
            let cycleNumber = Int64(state.cyclesRecorded) + 1
            for index in events.indices { events[index].cycle = cycleNumber }
            // Only the alerts of this cycle's posts: an alert changes with an event of its post
            // (a resolve held behind a throttle travels in the throttle state instead).
            let openAlerts = events.isEmpty ? [] : try await store.openAlerts(forPosts: Set(events.map(\.post.postId)))
            // Read every cycle, not kept: a silence added or expired by another process
            // (`postwatch silence`, the daemon's API) counts from the next cycle on.
            let silences = events.isEmpty ? [] : try await store.silences(endingAfter: now).filter { $0.isActive(at: now) }
            // Digests and reminders are due by the clock, with or without events: all of it
            // (read every cycle: a reload may have just given a rule its digest).
            var scheduled = try await store.scheduledState()
            scheduled.endedSilences = try await store.endedSilences(at: now)
            let routing = router.route(
                events, at: now, throttle: state.throttle, openAlerts: openAlerts, silences: silences, scheduled: scheduled)
            let result: CycleRecord.Result = diff.isBaseline ? .baseline : .complete
            var commit = CycleCommit(cycle: CycleRecord(
                startedAt: now, endedAt: now.addingTimeInterval((clock.now - start).secondsValue),
                result: result, posts: totals.count, events: events.count,
                notifications: routing.notifications.count, listings: queries.count))
            if diff.isBaseline {
                // Every post was staged as it came; the staged copies are the ones to write.
                commit.includesStaged = true
                commit.overdueThresholds = thresholds
            } else {
                commit.upserts = diff.upserts
            }
            commit.misses = diff.misses
            commit.deletions = diff.deletions
            commit.newMarkers = diff.newMarkers
            commit.events = events
            commit.notifications = routing.notifications
            commit.throttle = routing.throttle
            commit.openedAlerts = routing.openedAlerts
            commit.closedAlerts = routing.closedAlerts
            commit.silenced = routing.silenced
            commit.summarizedSilences = routing.summarizedSilences
            commit.dispositions = routing.dispositions
            commit.digestsSent = routing.digestsSent
            commit.digestEntries = routing.digestEntries
            commit.reminders = routing.reminders
            commit.held = routing.held
            // A shared store applies the commit only under the lease the state was read under.
            commit.fence = state.fence
            if !routing.held.isEmpty {
                logger.info("events held by a maintenance window", metadata: [
                    "cycle.held": "\(routing.held.count)", "rule.name": "\(Set(routing.held.map(\.rule)).sorted())",
                ])
            }
            let upserts = diff.isBaseline ? totals.count : diff.upserts.count
            diff.upserts = []  // the commit holds its own copy; don't keep two alive
            let rows = dryRun ? 0 : try await store.commit(commit)
            // A dry first cycle staged its posts all the same; they go, as its writes would.
            if dryRun && diff.isBaseline { try? await store.clearStaged() }
            var report = CycleReport(
                startedAt: now, duration: clock.now - start, result: result, events: events,
                notifications: routing.notifications.count, posts: totals.count,
                received: totals.received, listings: queries.count, pages: totals.pages, upserts: upserts,
                deletions: diff.deletions.count, rowsWritten: rows)
            report.drafts = routing.notifications
            report.held = held
            report.silenced = routing.silenced
            report.rejected = rejected
            report.muted = routing.held
            // `events` is the array routed (deletions appended and sorted first), so the two
            // align; a router answering for some other count is dropped rather than misread.
            report.fired = routing.fired.count == events.count ? routing.fired : []
            logger.debug(dryRun ? "cycle evaluated (dry run)" : "cycle applied", metadata: [
                "cycle.result": "\(result.rawValue)", "cycle.posts": "\(totals.count)",
                "cycle.events": "\(events.count)", "cycle.rows": "\(rows)",
            ])
            return report
        } catch {
            let message = "cannot apply the cycle: \(error)"
            try? await store.recordFailedCycle(CycleRecord(
                startedAt: now, endedAt: now.addingTimeInterval((clock.now - start).secondsValue),
                result: .failed, error: message, posts: totals.count, listings: queries.count))
            throw CycleError(.store, message, underlying: error)
        }
    }

    /// Lists the scope into one snapshot and counts its posts; throws when any chain fails.
    /// A first cycle stages its posts in the store as they come (see ``Store/stage(_:)``).
    private func snapshot(
        of queries: [PostsQuery], state: StoredState, now: Date, thresholds: [Int], budget: ListingBudget
    ) async throws -> (Snapshot, count: Int) {
        let staging = !state.hasBaseline
        do {
            if staging { try await store.clearStaged() }
        } catch { throw StagingError(underlying: error) }
        var builder = SnapshotBuilder(
            stored: state.posts, staging: staging,
            overdue: thresholds.isEmpty ? nil : SnapshotBuilder.OverdueCheck(
                now: now, thresholds: thresholds, markers: state.overdueMarkers))
        try await list(queries, builder: builder, budget: budget) { builder.merge($0) }
        guard staging else {
            let snapshot = builder.snapshot
            return (snapshot, snapshot.count)
        }
        do {
            if let since = configuration.since {
                builder.keepStaged(try await store.stagedPosts(scheduledFrom: now.addingTimeInterval(-since)))
            }
            return (builder.snapshot, try await store.stagedCount())
        } catch { throw StagingError(underlying: error) }
    }

    /// The partitions of the scope, plus an unfiltered listing of each account that holds a
    /// post the partitions may not show (see ``StoredState/sweepAccounts``).
    func queries(for state: StoredState) -> [PostsQuery] {
        let partitioning = self.partitioning(for: state)
        var queries = partitioning.queries(accounts: configuration.accounts)
        guard partitioning.filters else { return queries }
        let inScope = Set(configuration.accounts)
        for account in state.sweepAccounts.sorted() where inScope.isEmpty || inScope.contains(account) {
            queries.append(PostsQuery(accountId: account))
        }
        return queries
    }

    /// The configured partitioning, or `.status` when platforms and content types cannot all be
    /// named: on a discovery cycle, and once the API is known to have added a value.
    func partitioning(for state: StoredState) -> ListingPartitioning {
        guard configuration.partitioning == .statusPlatformContentType else { return configuration.partitioning }
        if state.hasUndocumentedFilterValues { return .status }
        let every = configuration.discoveryEvery
        return every > 0 && state.cyclesRecorded % every == 0 ? .status : configuration.partitioning
    }

    /// Lists every query, at most `maxConcurrentListings` at once. Each chain reduces its pages
    /// into its own builder as they arrive (in parallel); `receive` merges the finished ones on
    /// this actor. The first failure cancels the others.
    private func list(
        _ queries: [PostsQuery], builder: SnapshotBuilder, budget: ListingBudget, receive: (Snapshot) -> Void
    ) async throws {
        let listing = self.listing
        let progress = configuration.progress
        let firstCycle = builder.isStaging
        let width = max(1, configuration.maxConcurrentListings)
        let store = self.store
        let batch = max(1, configuration.stagingBatch)
        @Sendable func stage(_ part: inout SnapshotBuilder, atLeast count: Int) async throws {
            guard part.staged.count >= count else { return }
            do { try await store.stage(part.takeStaged()) } catch { throw StagingError(underlying: error) }
        }
        @Sendable func chain(_ query: PostsQuery) async throws -> Snapshot {
            var part = builder
            if let paged = listing as? any PagedPostListing {
                try await paged.forEachPage(matching: query) { page in
                    let (pages, posts) = try budget.spend(now: ContinuousClock.now, posts: page.count)
                    progress?(ListingProgress(pages: pages, posts: posts, firstCycle: firstCycle))
                    part.add(page, listedUnder: query)
                    try await stage(&part, atLeast: batch)
                }
            } else {
                let posts = try await listing.posts(matching: query)
                let (pageCount, postCount) = try budget.spend(now: ContinuousClock.now, posts: posts.count)
                progress?(ListingProgress(pages: pageCount, posts: postCount, firstCycle: firstCycle))
                part.add(posts, listedUnder: query)
            }
            try await stage(&part, atLeast: 1)
            return part.snapshot
        }
        try await withThrowingTaskGroup(of: Snapshot.self) { group in
            var next = queries.makeIterator()
            for _ in 0..<width {
                guard let query = next.next() else { break }
                group.addTask { try await chain(query) }
            }
            while let part = try await group.next() {
                receive(part)
                if let query = next.next() {
                    group.addTask { try await chain(query) }
                }
            }
        }
    }
}

/// The store refused posts staged during the listing: a store failure, not a listing one.
private struct StagingError: Error {
    var underlying: any Error
}
