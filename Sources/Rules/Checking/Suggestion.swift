/// "did you mean …?": the closest candidate by edit distance, if it is close enough.
public enum Suggestion {
    /// The best candidate within a distance of about a third of the word, ignoring case and `_`.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let key = normalized(word)
        guard !key.isEmpty else { return nil }
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(key, normalized(candidate))
            if let found = best, found.1 <= distance { continue }
            best = (candidate, distance)
        }
        guard let (candidate, distance) = best, candidate != word else { return nil }
        let limit = max(1, min(3, (max(key.count, 2) + 1) / 3))
        return distance <= limit ? candidate : nil
    }

    private static func normalized(_ word: String) -> [Character] {
        Array(word.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    row[j] = min(row[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, row) = (previous, row, previous2)
        }
        return previous[b.count]
    }
}
