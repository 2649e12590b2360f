import Infinipost

/// The sandbox's posts in a stable order (sorted by postId), so that a page is a binary search
/// plus a short walk, never a scan of everything before it.
///
/// A cursor names the last postId of a page and the next page starts after it: a post that is
/// added, deleted or changes status during a listing never makes another post skip or repeat.
struct PostIndex: Sendable {
    private struct Record: Sendable {
        var post: Post
        /// The post's JSON, written once and reused for every page until the post changes.
        var json: [UInt8]?
    }

    /// Every postId, sorted.
    private(set) var order: [String] = []
    private var records: [String: Record] = [:]
    /// postIds of each account, sorted: an `accountId` filter walks only that account's posts.
    private var byAccount: [String: [String]] = [:]

    var count: Int { order.count }

    func post(_ postId: String) -> Post? { records[postId]?.post }

    func contains(_ postId: String) -> Bool { records[postId] != nil }

    /// Adds a post, or replaces the one with the same postId; returns the replaced one.
    @discardableResult
    mutating func upsert(_ post: Post) -> Post? {
        if let old = records[post.postId] {
            if old.post.accountId != post.accountId {
                Self.remove(post.postId, from: &byAccount[old.post.accountId, default: []])
                Self.insert(post.postId, into: &byAccount[post.accountId, default: []])
            }
            records[post.postId] = Record(post: post, json: nil)
            return old.post
        }
        records[post.postId] = Record(post: post, json: nil)
        Self.insert(post.postId, into: &order)
        Self.insert(post.postId, into: &byAccount[post.accountId, default: []])
        return nil
    }

    /// Appends posts known to be new and sorted after every existing postId (the initial load).
    mutating func load(_ posts: [Post]) {
        for post in posts.sorted(by: { $0.postId < $1.postId }) { _ = upsert(post) }
    }

    @discardableResult
    mutating func remove(_ postId: String) -> Post? {
        guard let old = records.removeValue(forKey: postId) else { return nil }
        Self.remove(postId, from: &order)
        Self.remove(postId, from: &byAccount[old.post.accountId, default: []])
        return old.post
    }

    /// Changes a post in place; false when there is no such post.
    mutating func update(_ postId: String, _ change: (inout Post) -> Void) -> Bool {
        guard var record = records[postId] else { return false }
        change(&record.post)
        record.json = nil
        records[postId] = record
        return true
    }

    /// Up to `limit` posts matching `filter` with a postId after `after`, and whether more follow.
    /// Returns each post's JSON (cached).
    mutating func page(after: String?, filter: PostFilter, limit: Int) -> (ids: [String], json: [[UInt8]], hasMore: Bool) {
        let ids: [String]
        if let accountId = filter.accountId {
            ids = byAccount[accountId] ?? []
        } else {
            ids = order
        }
        var position = after.map { Self.firstIndex(after: $0, in: ids) } ?? 0
        var pageIds: [String] = []
        var json: [[UInt8]] = []
        pageIds.reserveCapacity(limit)
        json.reserveCapacity(limit)
        var hasMore = false
        while position < ids.count {
            let id = ids[position]
            position += 1
            guard var record = records[id], filter.matches(record.post) else { continue }
            if pageIds.count == limit {
                hasMore = true
                break
            }
            if record.json == nil {
                record.json = PostJSON.encode(record.post)
                records[id] = record
            }
            pageIds.append(id)
            json.append(record.json ?? [])
        }
        return (pageIds, json, hasMore)
    }

    /// Index of the first id greater than `id` in sorted `ids`.
    static func firstIndex(after id: String, in ids: [String]) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] <= id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func insert(_ id: String, into ids: inout [String]) {
        // New posts usually sort last (the initial load); append without a search then.
        if let last = ids.last, last < id {
            ids.append(id)
        } else if ids.isEmpty {
            ids.append(id)
        } else {
            ids.insert(id, at: firstIndex(after: id, in: ids))
        }
    }

    private static func remove(_ id: String, from ids: inout [String]) {
        let index = firstIndex(after: id, in: ids) - 1
        if index >= 0, index < ids.count, ids[index] == id { ids.remove(at: index) }
    }
}
