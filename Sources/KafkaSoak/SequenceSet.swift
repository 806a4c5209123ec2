/// The sequence numbers seen in one stream, as a growable bitset: a one-hour soak sees millions
/// of them, and a `Set<Int>` would cost tens of bytes each.
package struct SequenceSet: Sendable {
    private var words: [UInt64] = []
    package private(set) var count = 0

    package init() {}

    /// Adds `sequence`; false if it was already there.
    package mutating func insert(_ sequence: Int) -> Bool {
        guard sequence >= 0 else { return false }
        let word = sequence >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        let bit = UInt64(1) << UInt64(sequence & 63)
        guard words[word] & bit == 0 else { return false }
        words[word] |= bit
        count += 1
        return true
    }

    package func contains(_ sequence: Int) -> Bool {
        guard sequence >= 0, sequence >> 6 < words.count else { return false }
        return words[sequence >> 6] & (UInt64(1) << UInt64(sequence & 63)) != 0
    }

    /// How many of `0..<limit` are present.
    package func count(below limit: Int) -> Int {
        var total = 0
        let fullWords = min(limit >> 6, words.count)
        for index in 0..<fullWords { total += words[index].nonzeroBitCount }
        if fullWords < words.count, limit & 63 != 0 {
            total += (words[fullWords] & ((UInt64(1) << UInt64(limit & 63)) - 1)).nonzeroBitCount
        }
        return total
    }

    /// The runs of `0..<limit` that are absent, at most `maxRuns` of them, in order.
    package func gaps(below limit: Int, maxRuns: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for sequence in 0..<limit {
            if !contains(sequence) {
                if start == nil { start = sequence }
            } else if let first = start {
                runs.append(first..<sequence)
                start = nil
                if runs.count == maxRuns { return runs }
            }
        }
        if let first = start { runs.append(first..<limit) }
        return runs
    }
}
