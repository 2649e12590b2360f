import Foundation

/// What the store remembers of every post, laid out so that a million of them fit in about
/// 60 MB for the length of a cycle.
///
/// A `[String: StoredPost]` costs about 200 bytes a post (a heap-allocated id as the key, the
/// value, hash-table slack). Here a post is an index: its id's UTF-8 bytes sit in one shared
/// buffer, its status is a code into a table of the few distinct values, its fingerprint and
/// miss count are entries of parallel arrays, and the index by id is an open-addressing table
/// of 4-byte slots. The snapshot then marks stored posts seen by index (see ``Snapshot``).
public struct StoredPosts: Sendable {
    private var idBytes: [UInt8] = []
    /// End offset in `idBytes` of post `i`'s id (it starts where post `i − 1`'s ends).
    private var idEnds: [Int] = []
    private var statusCodes: [UInt32] = []
    /// The distinct raw statuses met, by code (unknown values kept as they came).
    private var statusNames: [String] = []
    private var fingerprints: [Int64] = []
    private var missCounts: [Int32] = []
    /// Open addressing with linear probing: a post index, or −1 for an empty slot. Kept at most
    /// half full, so a probe ends quickly.
    private var slots: [Int32] = []

    public init(minimumCapacity: Int = 0) {
        reserveCapacity(minimumCapacity)
    }

    /// Posts stored.
    public var count: Int { idEnds.count }

    public var isEmpty: Bool { idEnds.isEmpty }

    /// Makes room for `capacity` posts (ids of about 20 bytes) without growing again.
    public mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > 0 else { return }
        idBytes.reserveCapacity(capacity * 20)
        idEnds.reserveCapacity(capacity)
        statusCodes.reserveCapacity(capacity)
        fingerprints.reserveCapacity(capacity)
        missCounts.reserveCapacity(capacity)
        if slots.count < capacity * 2 { rehash(slotCount: Self.slotCount(for: capacity)) }
    }

    // MARK: Reading

    /// The index of `postId`, or nil when it is not stored.
    public func index(of postId: String) -> Int? {
        var postId = postId
        return postId.withUTF8 { index(ofUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// The index of the post whose id is these UTF-8 bytes, or nil.
    func index(ofUTF8 id: UnsafeRawBufferPointer) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var slot = Self.hash(id) & mask
        return idBytes.withUnsafeBytes { bytes in
            slots.withUnsafeBufferPointer { slots in
                while true {
                    let index = Int(slots[slot])
                    if index < 0 { return nil }
                    if Self.equal(bytes, range: idRange(index), id) { return index }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    public func postId(at index: Int) -> String {
        String(decoding: idBytes[idRange(index)], as: UTF8.self)
    }

    /// The raw status last seen.
    public func status(at index: Int) -> String { statusNames[Int(statusCodes[index])] }

    public func fingerprint(at index: Int) -> Int64 { fingerprints[index] }

    /// Consecutive complete snapshots the post was absent from.
    public func misses(at index: Int) -> Int { Int(missCounts[index]) }

    public func post(at index: Int) -> StoredPost {
        StoredPost(status: status(at: index), fingerprint: fingerprints[index], misses: misses(at: index))
    }

    /// The post stored as `postId`, if any.
    public subscript(postId: String) -> StoredPost? {
        index(of: postId).map(post(at:))
    }

    // MARK: Writing

    /// Stores `post` as `postId`, replacing what was stored under that id.
    public mutating func set(_ postId: String, _ post: StoredPost) {
        var postId = postId
        var status = post.status
        postId.withUTF8 { id in
            status.withUTF8 { status in
                set(idUTF8: UnsafeRawBufferPointer(id), statusUTF8: UnsafeRawBufferPointer(status),
                    fingerprint: post.fingerprint, misses: post.misses)
            }
        }
    }

    /// Stores a post from the UTF-8 bytes of its id and status (a row read without making
    /// strings), replacing what was stored under that id.
    mutating func set(
        idUTF8 id: UnsafeRawBufferPointer, statusUTF8 status: UnsafeRawBufferPointer, fingerprint: Int64, misses: Int
    ) {
        if let index = index(ofUTF8: id) {
            statusCodes[index] = statusCode(status)
            fingerprints[index] = fingerprint
            missCounts[index] = Int32(clamping: misses)
            return
        }
        append(idUTF8: id, statusUTF8: status, fingerprint: fingerprint, misses: misses)
    }

    /// Adds a post known not to be stored yet (a primary key read from the store), without
    /// looking for it first.
    package mutating func append(
        idUTF8 id: UnsafeRawBufferPointer, statusUTF8 status: UnsafeRawBufferPointer, fingerprint: Int64, misses: Int = 0
    ) {
        let code = statusCode(status)
        if (count + 1) * 2 > slots.count { rehash(slotCount: Self.slotCount(for: count + 1)) }
        let index = count
        idBytes.append(contentsOf: id)
        idEnds.append(idBytes.count)
        statusCodes.append(code)
        fingerprints.append(fingerprint)
        missCounts.append(Int32(clamping: misses))
        insertSlot(index, hash: Self.hash(id))
    }

    /// Sets the miss count of a stored post.
    public mutating func setMisses(_ misses: Int, at index: Int) {
        missCounts[index] = Int32(clamping: misses)
    }

    // MARK: Internals

    private func idRange(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : idEnds[index - 1])..<idEnds[index]
    }

    private mutating func statusCode(_ status: UnsafeRawBufferPointer) -> UInt32 {
        for (code, name) in statusNames.enumerated() {
            var name = name
            if name.withUTF8({ Self.equal(UnsafeRawBufferPointer($0), status) }) { return UInt32(code) }
        }
        // 32 bits: as many codes as posts could ever have distinct statuses.
        statusNames.append(String(decoding: status, as: UTF8.self))
        return UInt32(statusNames.count - 1)
    }

    private mutating func insertSlot(_ index: Int, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    private mutating func rehash(slotCount: Int) {
        slots = [Int32](repeating: -1, count: slotCount)
        let ids = idBytes
        ids.withUnsafeBytes { bytes in
            for index in 0..<count {
                let hash = Self.hash(UnsafeRawBufferPointer(rebasing: bytes[idRange(index)]))
                insertSlot(index, hash: hash)
            }
        }
    }

    /// A power of two at least twice `count` (and 16).
    private static func slotCount(for count: Int) -> Int {
        var slots = 16
        while slots < count * 2 { slots <<= 1 }
        return slots
    }

    /// ``WordDigest`` of the bytes, then a final mix so that the low bits (the slot) depend on
    /// all of them. Not seeded like `Hasher`, which costs more than the lookup here: ids come
    /// from the API, not from someone choosing collisions.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var digest = WordDigest()
        digest.add(bytes: bytes)
        var hash = digest.value
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return Int(truncatingIfNeeded: hash)
    }

    private static func equal(_ buffer: UnsafeRawBufferPointer, range: Range<Int>, _ other: UnsafeRawBufferPointer) -> Bool {
        equal(UnsafeRawBufferPointer(rebasing: buffer[range]), other)
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }
}

extension StoredPosts: Equatable {
    /// Equal when the same ids map to the same stored values, whatever the order they came in.
    public static func == (lhs: StoredPosts, rhs: StoredPosts) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count {
            let id = lhs.postId(at: index)
            guard let other = rhs.index(of: id), rhs.post(at: other) == lhs.post(at: index) else { return false }
        }
        return true
    }
}
