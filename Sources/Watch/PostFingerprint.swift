import Foundation
import Infinipost

/// A stable 64-bit digest of every field of a post.
///
/// The store keeps it per post so that an unchanged post costs a comparison of two integers and
/// no write. It must not change between processes, so Swift's seeded `Hasher` cannot be used.
/// The snapshot also compares the status itself, so even a collision cannot hide a transition.
public enum PostFingerprint {
    public static func of(_ post: Post) -> Int64 {
        var hash = WordDigest()
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

/// A digest that takes 8 bytes per step (a cycle reads 100,000 posts of about 350 bytes; one
/// byte per step, as FNV-1a does, was a tenth of the cycle).
///
/// Each step (xor, multiply by an odd constant, xor-shift) is a bijection of the running value,
/// so two inputs that differ in a single word always digest differently; other differences
/// collide with a probability of about 2⁻⁶⁴. Changing this function changes every stored
/// fingerprint: the next cycle then rewrites each post once (no event, the statuses agree).
struct WordDigest {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ word: UInt64) {
        value = (value ^ word) &* 0x9E37_79B9_7F4A_7C15
        value ^= value >> 29
    }

    mutating func add(byte: UInt8) { add(UInt64(byte)) }

    mutating func add(bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 8 <= bytes.count {
            // Little-endian whatever the machine: fingerprints are stored.
            add(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        // The length ends the field, so ("ab", "c") and ("a", "bc") differ, as do the tails
        // "a" and "a\0".
        add(tail)
        add(UInt64(bytes.count))
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(bytes: UnsafeRawBufferPointer($0)) }
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
