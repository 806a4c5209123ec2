import Histogram

/// Checks every consumed soak message: per stream, each sequence exactly once and in order
/// (a stream is one key, hence one partition), checksums intact; end-to-end latency in
/// HdrHistograms (whole run, and since the last progress line).
package struct SoakVerifier {
    package private(set) var consumed = 0
    package private(set) var duplicates = 0
    package private(set) var corrupted = 0
    package private(set) var outOfOrder = 0
    private var seen: [String: SequenceSet] = [:]
    private var lastSequence: [String: Int] = [:]
    /// Stream → number of messages it sent (from its end marker).
    package private(set) var ends: [String: Int] = [:]
    /// Milliseconds, up to an hour, 3 significant digits.
    package private(set) var latency = SoakVerifier.makeHistogram()
    package private(set) var intervalLatency = SoakVerifier.makeHistogram()

    package init() {}

    package static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: .three)
    }

    package mutating func record(_ value: [UInt8], receivedMs: Int64) {
        consumed += 1
        let payload: SoakPayload
        do {
            payload = try SoakPayload.decode(value)
        } catch {
            corrupted += 1
            return
        }
        if payload.isEnd {
            ends[payload.streamID] = payload.sequence
            return
        }
        guard seen[payload.streamID, default: SequenceSet()].insert(payload.sequence) else {
            duplicates += 1
            return
        }
        if let last = lastSequence[payload.streamID], payload.sequence < last { outOfOrder += 1 }
        lastSequence[payload.streamID] = max(lastSequence[payload.streamID] ?? -1, payload.sequence)
        let milliseconds = UInt64(min(max(0, receivedMs - payload.sentMs), 3_600_000))
        latency.record(milliseconds)
        intervalLatency.record(milliseconds)
    }

    /// Starts a new interval for ``intervalLatency``.
    package mutating func resetInterval() {
        intervalLatency.reset()
    }

    package var uniqueCount: Int { seen.values.reduce(0) { $0 + $1.count } }

    /// Streams seen (with messages or an end marker).
    package var streams: Set<String> { Set(seen.keys).union(ends.keys) }

    /// Sequences never seen: below the end marker's count for finished streams, below the
    /// highest sequence seen for the others.
    package var missing: Int {
        streams.reduce(0) { total, stream in
            let received = seen[stream] ?? SequenceSet()
            let expected = ends[stream] ?? ((lastSequence[stream] ?? -1) + 1)
            return total + expected - received.count(below: expected)
        }
    }

    /// The first runs of missing sequences per stream, as `stream: a..<b, ...` (for a failure
    /// message: where the gaps are says more than how many there are).
    package func gapSummary(maxRunsPerStream: Int = 5) -> [String] {
        streams.sorted().compactMap { stream in
            let expected = ends[stream] ?? ((lastSequence[stream] ?? -1) + 1)
            let runs = (seen[stream] ?? SequenceSet()).gaps(below: expected, maxRuns: maxRunsPerStream)
            guard !runs.isEmpty else { return nil }
            return "\(stream): " + runs.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", ")
        }
    }

    /// Whether `stream` ended and every one of its messages arrived.
    package func isComplete(_ stream: String) -> Bool {
        guard let total = ends[stream] else { return false }
        return (seen[stream] ?? SequenceSet()).count(below: total) == total
    }

    /// Sequences of `stream` in `delivered` never seen.
    package func missing(streamID: String, delivered: Set<Int>) -> Int {
        let received = seen[streamID] ?? SequenceSet()
        return delivered.filter { !received.contains($0) }.count
    }

    package func percentile(_ p: Double) -> Int64 {
        latency.totalCount == 0 ? 0 : Int64(latency.valueAtPercentile(p * 100))
    }
}
