import Foundation
import Infinipost
import Watch

/// Posts made up on the fly, page by page, never held: the Watch share of a cycle without HTTP
/// or JSON (`watch-cycle --synthetic N`). Post `i` is the same on every call, except that with
/// `changed > 0` every `100 / changed`-th post has moved to `failed`.
struct SyntheticListing: PagedPostListing {
    let count: Int
    /// Percent of posts whose status differs from the unchanged listing.
    let changedPercent: Int
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func posts(matching query: PostsQuery) async throws -> [Post] {
        var all: [Post] = []
        try await forEachPage(matching: query) { all += $0 }
        return all
    }

    func forEachPage(matching query: PostsQuery, _ body: ([Post]) async throws -> Void) async throws {
        var page: [Post] = []
        page.reserveCapacity(100)
        for index in 0..<count {
            let post = make(index)
            guard query.status.map({ $0 == post.status }) ?? true,
                query.platform.map({ $0 == post.platform }) ?? true,
                query.contentType.map({ $0 == post.contentType }) ?? true
            else { continue }
            page.append(post)
            if page.count == 100 {
                try await body(page)
                page.removeAll(keepingCapacity: true)
                await Task.yield()
            }
        }
        if !page.isEmpty { try await body(page) }
    }

    func make(_ index: Int) -> Post {
        let statuses: [PostStatus] = [.posted, .posted, .posted, .generated, .posted, .failed, .pendingRender, .posted]
        var status = statuses[index % statuses.count]
        if changedPercent > 0, index % (100 / changedPercent) == 0 { status = status == .failed ? .posted : .failed }
        let slides = index % 4 == 1
        let scheduled = start.addingTimeInterval(Double((index * 7919) % 864_000) - 600_000)
        return Post(
            postId: "post_" + String(index, radix: 36).leftPadded(to: 12), accountId: "acc_\(index % 20)",
            platform: index % 2 == 0 ? .tiktok : .instagram, contentType: slides ? .slides : .video,
            contentUrl: slides
                ? .multiple(["https://storage.googleapis.com/bucket/\(index)/1.jpg", "https://storage.googleapis.com/bucket/\(index)/2.jpg"])
                : .single("https://storage.googleapis.com/bucket/\(index)/video.mp4"),
            thumbnailUrl: slides ? nil : "https://storage.googleapis.com/bucket/\(index)/thumb.jpg",
            caption: "Caption number \(index) with a few words #tag", soundId: index % 3 == 0 ? nil : "snd_\(index % 977)",
            timezone: "America/New_York", scheduledTime: scheduled, status: status,
            postedAt: status == .posted ? scheduled.addingTimeInterval(12) : nil,
            createdAt: scheduled.addingTimeInterval(-86_400))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
