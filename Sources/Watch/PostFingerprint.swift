import Foundation
import Infinipost

/// A stable 64-bit digest of every field of a post (FNV-1a).
///
/// The store keeps it per post so that an unchanged post costs a comparison of two integers and
/// no write. It must not change between processes, so Swift's seeded `Hasher` cannot be used.
public enum PostFingerprint {
    public static func of(_ post: Post) -> Int64 {
        var hash = FNV()
        hash.add(post.postId)
        hash.add(post.accountId)
        hash.add(post.platform.rawValue)
        hash.add(post.contentType.rawValue)
        switch post.contentUrl {
        case .single(let url):
            hash.add(byte: 1)
            hash.add(url)
        case .multiple(let urls):
            hash.add(byte: 2)
            hash.add(UInt64(urls.count))
            for url in urls { hash.add(url) }
        }
        hash.add(post.thumbnailUrl)
        hash.add(post.caption)
        hash.add(post.soundId)
        hash.add(post.timezone)
        hash.add(post.scheduledTime)
        hash.add(post.status.rawValue)
        hash.add(post.postedAt)
        hash.add(post.createdAt)
        return Int64(bitPattern: hash.value)
    }
}

private struct FNV {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    mutating func add(_ number: UInt64) {
        var rest = number
        for _ in 0..<8 {
            add(byte: UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes { add(byte: byte) }
        }
        // The length ends the field, so ("ab", "c") and ("a", "bc") differ.
        add(UInt64(text.utf8.count))
    }

    mutating func add(_ text: String?) {
        if let text {
            add(byte: 1)
            add(text)
        } else {
            add(byte: 0)
        }
    }

    mutating func add(_ date: Date) {
        add(UInt64(bitPattern: Int64((date.timeIntervalSince1970 * 1000).rounded())))
    }

    mutating func add(_ date: Date?) {
        if let date {
            add(byte: 1)
            add(date)
        } else {
            add(byte: 0)
        }
    }
}
