/// Checks every consumed soak message: per producer, each sequence exactly once and in order
/// (a producer's messages share a key, hence a partition), checksums intact; latency kept.
struct SoakVerifier {
    private(set) var consumed = 0
    private(set) var duplicates = 0
    private(set) var corrupted = 0
    private(set) var outOfOrder = 0
    private var seen: [String: Set<Int>] = [:]
    private var lastSequence: [String: Int] = [:]
    private(set) var latenciesMs: [Int64] = []

    mutating func record(_ value: [UInt8], receivedMs: Int64) {
        consumed += 1
        let payload: SoakPayload
        do {
            payload = try SoakPayload.decode(value)
        } catch {
            corrupted += 1
            return
        }
        if !seen[payload.producerID, default: []].insert(payload.sequence).inserted {
            duplicates += 1
            return
        }
        if let last = lastSequence[payload.producerID], payload.sequence < last { outOfOrder += 1 }
        lastSequence[payload.producerID] = max(lastSequence[payload.producerID] ?? -1, payload.sequence)
        latenciesMs.append(max(0, receivedMs - payload.sentMs))
    }

    /// Sequences of `producerID` in `0..<count` never seen.
    func missing(producerID: String, delivered: Set<Int>) -> Int {
        let received = seen[producerID] ?? []
        return delivered.subtracting(received).count
    }

    var uniqueCount: Int { seen.values.reduce(0) { $0 + $1.count } }

    func percentile(_ p: Double) -> Int64 {
        guard !latenciesMs.isEmpty else { return 0 }
        let sorted = latenciesMs.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}
