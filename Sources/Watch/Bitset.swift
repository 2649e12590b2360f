/// A fixed-size set of small integers (stored post indices), one bit each: a million posts seen
/// in a cycle cost 125 KB instead of a million-entry hash set.
struct Bitset: Sendable, Equatable {
    private var words: [UInt64]
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    mutating func insert(_ index: Int) {
        words[index >> 6] |= 1 << UInt64(index & 63)
    }

    mutating func remove(_ index: Int) {
        words[index >> 6] &= ~(1 << UInt64(index & 63))
    }

    /// Adds every member of `other` (same capacity).
    mutating func formUnion(_ other: Bitset) {
        precondition(other.capacity == capacity, "bitsets of different capacities")
        for i in words.indices { words[i] |= other.words[i] }
    }

    /// Members, counted.
    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
