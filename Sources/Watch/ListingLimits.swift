import Infinipost
import Synchronization

/// How far one cycle may list before it gives up on the API.
///
/// An API whose pagination never ends (`hasMore: true` with a new cursor every time, maybe the
/// same posts) would otherwise keep a cycle busy for good: `check` never returns and `run`
/// never applies another cycle. A cursor loop is caught by ``PostPages``; a chain of ever-new
/// cursors can only be bounded by what is plausible, so a cycle may fetch several times the
/// pages that the posts last seen need, plus a margin for growth, and must finish listing within
/// a deadline. Past either, the snapshot is discarded and nothing is applied (exit 3).
public struct ListingLimits: Sendable, Hashable {
    /// Pages allowed per page that the posts last stored would fill.
    public var factor: Int
    /// Pages allowed on top, for growth between cycles and partitions that hold one short page
    /// each (100,000 posts at 100 a page: ~3 s at the rate a runaway API answers).
    public var marginPages: Int
    /// Pages allowed on a first cycle, which has nothing to go by (10 million posts).
    public var firstCyclePages: Int
    /// The time a cycle may spend listing; per-request timeouts bound each page, this bounds them all.
    public var deadline: Duration

    public init(factor: Int = 4, marginPages: Int = 1_000, firstCyclePages: Int = 100_000, deadline: Duration = .seconds(1_800)) {
        self.factor = factor
        self.marginPages = marginPages
        self.firstCyclePages = firstCyclePages
        self.deadline = deadline
    }

    /// The pages a cycle may fetch, from the posts stored and the listings it makes (each of
    /// which takes at least one page, however few posts it holds).
    public func maxPages(storedPosts: Int, listings: Int, hasBaseline: Bool) -> Int {
        guard hasBaseline else { return firstCyclePages }
        let pageSize = InfinipostConfiguration.pageSize
        let expected = (storedPosts + pageSize - 1) / pageSize + listings
        return factor * expected + marginPages
    }
}

/// Why listing stopped before the API said it was done.
public struct ListingLimitError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// More pages than ``ListingLimits/maxPages(storedPosts:listings:hasBaseline:)`` allows.
        public static let tooManyPages = Code(rawValue: "too_many_pages")
        /// Listing went on past ``ListingLimits/deadline``.
        public static let deadline = Code(rawValue: "listing_deadline")
    }

    public let code: Code
    public let message: String
    public var description: String { message }
}

/// The pages fetched so far by every chain of one cycle, against the cycle's limits.
final class ListingBudget: Sendable {
    private let pages = Atomic<Int>(0)
    private let posts = Atomic<Int>(0)
    private let maxPages: Int
    private let storedPosts: Int
    private let deadline: ContinuousClock.Instant
    private let limits: ListingLimits

    init(limits: ListingLimits, maxPages: Int, storedPosts: Int, startedAt: ContinuousClock.Instant) {
        self.limits = limits
        self.maxPages = maxPages
        self.storedPosts = storedPosts
        deadline = startedAt + limits.deadline
    }

    /// Counts one page of `count` posts; throws once the cycle is past its page budget or
    /// deadline. Returns the pages and posts of the cycle so far.
    @discardableResult
    func spend(now: ContinuousClock.Instant, posts count: Int = 0) throws(ListingLimitError) -> (pages: Int, posts: Int) {
        let fetched = pages.add(1, ordering: .relaxed).newValue
        let received = posts.add(count, ordering: .relaxed).newValue
        if fetched > maxPages {
            throw ListingLimitError(
                code: .tooManyPages,
                message: "the API kept returning pages: \(fetched) pages in this cycle, more than the \(maxPages) "
                    + "that \(storedPosts) posts last seen allow (\(limits.factor)× their pages plus \(limits.marginPages)); "
                    + "its pagination does not end")
        }
        if now > deadline {
            throw ListingLimitError(
                code: .deadline,
                message: "the API kept returning pages: \(fetched) pages in \(limits.deadline), the most a cycle may list for")
        }
        return (fetched, received)
    }
}

/// How far a cycle's listing got, for a progress line on a terminal.
public struct ListingProgress: Sendable {
    public var pages: Int
    /// Posts received, duplicates included.
    public var posts: Int
    /// The first cycle into an empty state (the long one: every post is new).
    public var firstCycle: Bool

    public init(pages: Int, posts: Int, firstCycle: Bool) {
        self.pages = pages
        self.posts = posts
        self.firstCycle = firstCycle
    }
}
