import Infinipost

/// A listing that hands over each page as it arrives.
///
/// The cycle reduces every page as it arrives (an unchanged post to one bit; on a first cycle,
/// posts are staged in the store in batches), so that it never holds a whole partition of
/// `Post`s: this is what keeps a million-post cycle under 300 MB. A plain ``PostListing`` works
/// too, one partition at a time.
public protocol PagedPostListing: PostListing {
    /// Calls `body` with each page of the chain, in order; throws when any page fails.
    func forEachPage(matching query: PostsQuery, _ body: ([Post]) async throws -> Void) async throws
}
