import Infinipost

/// How a cycle splits the scope into cursor chains fetched concurrently.
///
/// Every partitioning covers every post whose filter values are documented (API.md). A value
/// the API adds later cannot be named in a filter: a post with an unknown *status* is listed
/// once it reaches a known one (so a failure is never missed), and a stored post that drops out
/// of the partitions is looked for in an unfiltered listing of its account before it can be
/// reported deleted (see ``StoredState/sweepAccounts``). A post on an unknown *platform* or
/// *content type* is invisible to `.statusPlatformContentType`: the poller therefore lists by
/// status alone on the first cycle and every ``PollerConfiguration/discoveryEvery`` cycles, and
/// on every cycle once such a post is stored.
public enum ListingPartitioning: String, Sendable, CaseIterable {
    /// One chain per scope (all posts, or each account).
    case none
    /// One chain per documented status (4 per scope).
    case status
    /// One chain per status × platform × content type (16 per scope).
    case statusPlatformContentType

    /// The queries of a scope: all posts when `accounts` is empty, else each account.
    public func queries(accounts: [String]) -> [PostsQuery] {
        let scopes: [String?] = accounts.isEmpty ? [nil] : accounts.map { $0 }
        return scopes.flatMap { account -> [PostsQuery] in
            switch self {
            case .none:
                return [PostsQuery(accountId: account)]
            case .status:
                return PostStatus.documented.map { PostsQuery(status: $0, accountId: account) }
            case .statusPlatformContentType:
                return PostStatus.documented.flatMap { status in
                    Platform.documented.flatMap { platform in
                        ContentType.documented.map { contentType in
                            PostsQuery(status: status, platform: platform, contentType: contentType, accountId: account)
                        }
                    }
                }
            }
        }
    }

    /// True when a post can be absent from every chain while still existing (a filter hides it).
    public var filters: Bool { self != .none }
}
