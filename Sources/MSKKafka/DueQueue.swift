/// A binary min-heap of values by due time, first-in first-out among equal times: O(log n) to
/// add and to take the earliest. (The retry layer may hold the whole buffer — 100,000 messages
/// by default — during a long outage; a sorted array made every insertion move all of them.)
struct DueQueue<Value> {
    private struct Entry {
        var due: ContinuousClock.Instant
        /// Arrival order, to break ties.
        var sequence: UInt64
        var value: Value

        func precedes(_ other: Entry) -> Bool {
            due < other.due || (due == other.due && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// When the earliest value is due.
    var earliestDue: ContinuousClock.Instant? { entries.first?.due }

    mutating func insert(_ value: Value, due: ContinuousClock.Instant) {
        entries.append(Entry(due: due, sequence: nextSequence, value: value))
        nextSequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Takes the earliest value if it is due at `now`.
    mutating func popDue(at now: ContinuousClock.Instant) -> Value? {
        guard let first = entries.first, first.due <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
                if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first.value
    }

    /// Empties the queue, returning every value in due order.
    mutating func removeAll() -> [Value] {
        defer { entries = [] }
        return entries.sorted { $0.precedes($1) }.map(\.value)
    }
}
