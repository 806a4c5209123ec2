import Foundation

/// A dictionary whose entries expire, swept in amortised constant time: a sweep runs only once
/// as many entries were added since the last one as it left behind (and at least 64), so issuing
/// costs O(1) on average however many entries are live, and expired ones never pile up beyond
/// twice the live ones.
struct ExpiringEntries<Value> {
    private var entries: [String: (value: Value, expiry: Date)] = [:]
    private var addedSinceSweep = 0
    private var leftBySweep = 0

    var count: Int { entries.count }

    /// The value of `key`, expired or not (the caller decides what expired means to it).
    subscript(key: String) -> (value: Value, expiry: Date)? {
        entries[key]
    }

    /// Adds or replaces `key`; entries whose expiry is before `sweepBefore` may be dropped.
    mutating func insert(_ value: Value, for key: String, expiry: Date, sweepBefore cutoff: Date) {
        addedSinceSweep += 1
        if addedSinceSweep >= max(64, leftBySweep) { sweep(before: cutoff) }
        entries[key] = (value, expiry)
    }

    /// Drops every entry whose expiry is before `cutoff` now.
    mutating func sweep(before cutoff: Date) {
        entries = entries.filter { $0.value.expiry >= cutoff }
        leftBySweep = entries.count
        addedSinceSweep = 0
    }
}
