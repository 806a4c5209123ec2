import AWSAuth

/// How much faster one program is than another, from rounds in which each ran once, and how
/// sure that figure is.
///
/// The figure is the median of the rounds' own ratios (the reference's time over the
/// candidate's: above 1, the candidate is faster). Within a round both ran seconds apart,
/// so how fast the machine happened to be cancels out of the round's ratio, where it would not
/// out of a ratio of two medians taken separately. The interval is a percentile bootstrap: the
/// rounds are drawn again with replacement and the median taken again, many times. A benchmark
/// whose interval straddles a target has shown neither that it meets it nor that it misses it —
/// on a noisy machine that matters more than the median itself.
///
/// The draws come from a fixed seed, so the same times always give the same interval.
public struct PairedRatioEstimate: Sendable, Equatable {
    /// The median of the rounds' ratios, reference time over candidate time.
    public let ratio: Double
    /// The interval's ends (`low` ≤ `high`).
    public let low: Double
    public let high: Double
    /// The confidence the interval was drawn for, e.g. 0.95.
    public let confidence: Double

    /// Estimates from `reference[i]` and `candidate[i]`, the times of round `i` (any unit, the
    /// same for both). Nil when there are no rounds, the counts differ, or a time is not positive
    /// and finite.
    public init?(reference: [Double], candidate: [Double], confidence: Double = 0.95, resamples: Int = 2_000) {
        guard !reference.isEmpty, reference.count == candidate.count, confidence > 0, confidence < 1, resamples > 0,
              (reference + candidate).allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        let rounds = zip(reference, candidate).map { $0 / $1 }
        ratio = Self.median(rounds)
        var generator = JitterGenerator(seed: 0x6b61_666b_612d_6265)
        var drawn = rounds
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        for _ in 0..<resamples {
            for slot in drawn.indices {
                drawn[slot] = rounds[Int(generator.next() % UInt64(rounds.count))]
            }
            medians.append(Self.median(drawn))
        }
        medians.sort()
        let tail = (1 - confidence) / 2
        low = medians[Int((tail * Double(resamples - 1)).rounded())]
        high = medians[Int(((1 - tail) * Double(resamples - 1)).rounded())]
        self.confidence = confidence
    }

    /// The middle value (the upper middle one for an even count, as the benchmark's medians).
    static func median(_ values: [Double]) -> Double {
        values.sorted()[values.count / 2]
    }
}
