import Foundation

/// How a soak's streams sit on the topic's partitions, chosen so that no partition outgrows
/// the mock cluster's retention during the run: librdkafka 2.0.2's mock keeps 5 MiB per
/// partition and drops the oldest batches past that, after which an audit of the partition logs
/// can only be partial. Stream `s` goes to partition `s % partitions`.
package struct SoakLayout: Equatable, Sendable {
    /// What the mock keeps per partition.
    package static let mockRetentionBytes = 5 << 20
    /// The share of it a run may plan to use: re-produced messages (retries after timeouts)
    /// and batch headers come on top of the estimate.
    package static let plannedShare = 0.6
    /// Bytes a message takes in the log beyond its value: key, record and (amortised) batch
    /// headers. Generous: small batches carry a 61-byte header each.
    package static let overheadBytes = 100

    package let streams: Int
    package let partitions: Int

    package init(streams: Int, partitions: Int) {
        self.streams = streams
        self.partitions = partitions
    }

    /// A layout refused: what the fullest partition would receive against what the mock keeps,
    /// and how many partitions the run needs.
    package struct Refusal: Error, CustomStringConvertible {
        package let description: String
    }

    /// Bytes the fullest partition receives over `duration` at `rate` messages of `size`.
    package func bytesPerPartition(duration: Double, rate: Double, size: Int) -> Double {
        let streamsOnFullest = Double((streams + partitions - 1) / partitions)
        return duration * rate / Double(streams) * streamsOnFullest * Double(size + Self.overheadBytes)
    }

    /// The layout for a run: the one asked for, checked, or — where streams and partitions are
    /// not given — one stream per partition, as many as the run needs (at least `minimum`).
    package static func choose(streams: Int?, partitions: Int?, duration: Double, rate: Double, size: Int, minimum: Int = 6) throws(Refusal) -> SoakLayout {
        let budget = Double(mockRetentionBytes) * plannedShare
        let total = duration * rate * Double(size + overheadBytes)
        let needed = max(1, Int((total / budget).rounded(.up)))
        let layout: SoakLayout
        switch (streams, partitions) {
        case (nil, nil):
            let count = max(minimum, needed)
            layout = SoakLayout(streams: count, partitions: count)
        case (let streams?, nil):
            layout = SoakLayout(streams: streams, partitions: streams)
        case (nil, let partitions?):
            layout = SoakLayout(streams: partitions, partitions: partitions)
        case (let streams?, let partitions?):
            layout = SoakLayout(streams: streams, partitions: partitions)
        }
        let fullest = layout.bytesPerPartition(duration: duration, rate: rate, size: size)
        guard fullest <= budget else {
            let mib = { (bytes: Double) in String(format: "%.1f MiB", bytes / 1_048_576) }
            throw Refusal(description: """
                \(Int(duration)) s × \(rate) msg/s × (\(size) + \(overheadBytes)) B spread over \(layout.streams) streams on \
                \(layout.partitions) partitions puts \(mib(fullest)) in the fullest partition; the mock keeps \(mib(Double(mockRetentionBytes))) \
                per partition and the run may plan \(mib(budget)) of it. Use at least \(needed) partitions and streams (or leave both out), \
                a lower rate, smaller messages or a shorter run.
                """)
        }
        return layout
    }
}
