import Foundation
import KafkaCommandLine

/// One child's throughput run: wall time from the first timed produce to the last report, the
/// producing loop's CPU time (what the caller pays), start-up before the clock, peak RSS, and
/// the CPU time of the whole process (librdkafka's threads included).
struct ThroughputRun {
    var seconds: Double
    var delivered: Int
    var loopCPUSeconds: Double
    var startupSeconds: Double
    var maxRSSKiB: Double
    var cpuSeconds: Double
}

/// Which runs a round holds, in which order, and how their figures are printed: every path side
/// by side with both C programs, or each path against itself (A/A).
struct ThroughputTable {
    /// A run's place in a round: the key its figures are kept under, and the path it runs.
    struct Entry { var key: String; var path: BenchPath }

    let entries: [Entry]
    let isAA: Bool

    static func sideBySide(_ paths: [BenchPath]) -> ThroughputTable {
        // The ratios are to both C programs, so both always run.
        let all = [BenchPath.c, .cHandle] + paths.filter { $0 != .c && $0 != .cHandle }
        return ThroughputTable(entries: all.map { Entry(key: $0.rawValue, path: $0) }, isAA: false)
    }

    static func aa(_ paths: [BenchPath]) -> ThroughputTable {
        ThroughputTable(entries: paths.flatMap { [Entry(key: $0.rawValue + " (A)", path: $0), Entry(key: $0.rawValue + " (B)", path: $0)] }, isAA: true)
    }

    /// Round `round`'s order. Side by side, who goes first rotates (the mock cluster warms up
    /// over a run); in an A/A run each pair runs back to back, A first in even rounds, B in odd.
    func order(round: Int) -> [Entry] {
        guard isAA else { return entries.indices.map { entries[($0 + round) % entries.count] } }
        var order: [Entry] = []
        for first in stride(from: 0, to: entries.count, by: 2) {
            let pair = [entries[first], entries[first + 1]]
            order += round.isMultiple(of: 2) ? pair : pair.reversed()
        }
        return order
    }

    func report(_ runs: [String: [ThroughputRun]], size: Int, messages: Int) -> String {
        func median(_ key: String, _ value: (ThroughputRun) -> Double) -> Double {
            let values = runs[key, default: []].map(value).filter { !$0.isNaN }.sorted()
            return values.isEmpty ? .nan : values[values.count / 2]
        }
        /// `key`'s throughput ratio to `reference` (of the median runs; then the median of the
        /// rounds' own ratios with its bootstrap interval, and each round's), and its CPU,
        /// producing thread's CPU and peak memory as multiples of the reference's.
        func ratios(_ key: String, to reference: String) -> String {
            let each = zip(runs[reference, default: []], runs[key, default: []]).map { String(format: "%.2f", $0.seconds / $1.seconds) }
            let perRound = PairedRatioEstimate(reference: runs[reference, default: []].map(\.seconds), candidate: runs[key, default: []].map(\.seconds))
                .map { String(format: "per round %.3f, %.0f%% CI %.3f-%.3f", $0.ratio, $0.confidence * 100, $0.low, $0.high) } ?? "per round: no estimate"
            // CPU time is the process's own, so other work on the machine moves it far less than
            // wall time: its paired ratio (candidate over reference) is the steadier figure.
            let cpuPerRound = PairedRatioEstimate(reference: runs[key, default: []].map(\.cpuSeconds), candidate: runs[reference, default: []].map(\.cpuSeconds))
                .map { String(format: " (per round %.3f, CI %.3f-%.3f)", $0.ratio, $0.low, $0.high) } ?? ""
            return String(format: "throughput %.3f (%@) [%@], CPU %.2f%@, producing thread %.2f, peak RSS %.2f",
                          median(reference) { $0.seconds } / median(key) { $0.seconds }, perRound, each.joined(separator: " "),
                          median(key) { $0.cpuSeconds } / median(reference) { $0.cpuSeconds }, cpuPerRound,
                          median(key) { $0.loopCPUSeconds } / median(reference) { $0.loopCPUSeconds },
                          median(key) { $0.maxRSSKiB } / median(reference) { $0.maxRSSKiB })
        }
        var lines: [String] = []
        for entry in entries {
            let key = entry.key
            let label = isAA ? key.replacingOccurrences(of: entry.path.rawValue, with: entry.path.label) : entry.path.label
            let seconds = median(key) { $0.seconds }, rate = Double(messages) / seconds
            let startups = runs[key, default: []].map(\.startupSeconds)
            var line = String(format: "%@ %5d B: %9.0f msgs/s %7.1f MB/s  CPU %5.0f ns/msg (producing thread %4.0f)  peak RSS %6.1f MiB  (min delivered %d; start-up median %.3f s, max %.3f s)",
                              label.padding(toLength: 19, withPad: " ", startingAt: 0), size, rate, rate * Double(size) / 1e6,
                              median(key) { $0.cpuSeconds } / Double(messages) * 1e9, median(key) { $0.loopCPUSeconds } / Double(messages) * 1e9,
                              median(key) { $0.maxRSSKiB } / 1024, runs[key, default: []].map(\.delivered).min() ?? 0,
                              median(key) { $0.startupSeconds }, startups.max() ?? .nan)
            if isAA {
                if key.hasSuffix("(B)") { line += "\n    to itself (A):         " + ratios(key, to: key.replacingOccurrences(of: "(B)", with: "(A)")) }
            } else {
                if entry.path != .c { line += "\n    to c:                  " + ratios(key, to: BenchPath.c.rawValue) }
                if !entry.path.isC { line += "\n    to c (topic handle):   " + ratios(key, to: BenchPath.cHandle.rawValue) }
                if !entry.path.isC, runs[BenchPath.cNoCopy.rawValue] != nil { line += "\n    to c (no copy):        " + ratios(key, to: BenchPath.cNoCopy.rawValue) }
                // Keyed messages against C's keyed messages: the keyless `c` pays no key.
                if entry.path == .swiftKeyed || entry.path == .swiftPerKey, runs[BenchPath.cKeyed.rawValue] != nil {
                    line += "\n    to c (keyed):          " + ratios(key, to: BenchPath.cKeyed.rawValue)
                }
                // Per-key order's cost: the same keyed messages without it, in the same rounds.
                if entry.path == .swiftPerKey, runs[BenchPath.swiftKeyed.rawValue] != nil {
                    line += "\n    to swift (keyed):      " + ratios(key, to: BenchPath.swiftKeyed.rawValue)
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
