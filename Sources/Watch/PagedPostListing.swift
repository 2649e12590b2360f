import Infinipost

/// A listing that hands over each page as it arrives.
///
/// The cycle reduces every page to a status and a fingerprint at once, so that it never holds a
/// whole partition of `Post`s: this is what keeps a million-post cycle in a few hundred MB.
/// A plain ``PostListing`` works too, one partition at a time.
public protocol PagedPostListing: PostListing {
    /// Calls `body` with each page of the chain, in order; throws when any page fails.
    func forEachPage(matching query: PostsQuery, _ body: ([Post]) throws -> Void) async throws
}
