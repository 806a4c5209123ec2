import Foundation
import Histogram

/// Each message's scheduled send time and delivery latency in a fixed-rate run, in nanoseconds
/// on `CLOCK_MONOTONIC` (the C reference's clock).
///
/// `@unchecked Sendable`: slot `i` is written by the pacer (its scheduled time) before message
/// `i` is produced, then once by that message's report, and read only after the run has flushed.
final class LatencyLog: @unchecked Sendable {
    let count: Int
    let latencies: UnsafeMutableBufferPointer<UInt64>
    private let scheduled: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        self.count = count
        latencies = .allocate(capacity: count)
        latencies.initialize(repeating: 0)
        scheduled = .allocate(capacity: count)
        scheduled.initialize(repeating: 0)
    }

    deinit {
        latencies.deallocate()
        scheduled.deallocate()
    }

    static func now() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    func schedule(_ index: Int, at time: UInt64) { scheduled[index] = time }

    /// Message `index` was delivered now.
    func delivered(_ index: Int) { latencies[index] = Self.now() - scheduled[index] }

    /// The delivered messages' latencies in microseconds (0 marks one not delivered).
    func histogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        for latency in latencies where latency > 0 {
            _ = histogram.record(min(600_000_000, max(1, latency / 1_000)))
        }
        return histogram
    }
}
