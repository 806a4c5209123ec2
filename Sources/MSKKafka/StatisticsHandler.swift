import Foundation
import Logging
import Metrics
import Synchronization

/// Receives librdkafka's statistics documents, decodes them and hands them on; a malformed
/// document is counted and logged, never fatal.
final class StatisticsHandler: Sendable {
    private let continuation: AsyncStream<KafkaStatistics>.Continuation
    let stream: AsyncStream<KafkaStatistics>
    private let counters: KafkaClientCounters
    private let logger: Logger
    private let bufferDepth: (@Sendable () -> (messages: Int, bytes: Int))?
    /// Reconnects seen in the previous document: the counter grows by the difference.
    private let reconnectsSeen = Mutex(0)

    init(counters: KafkaClientCounters, logger: Logger, bufferDepth: (@Sendable () -> (messages: Int, bytes: Int))? = nil) {
        self.bufferDepth = bufferDepth
        (stream, continuation) = AsyncStream.makeStream(of: KafkaStatistics.self, bufferingPolicy: .bufferingNewest(16))
        self.counters = counters
        self.logger = logger
    }

    func handle(_ json: Data) {
        do {
            let statistics = try JSONDecoder().decode(KafkaStatistics.self, from: json)
            statistics.export()
            let reconnects = (statistics.brokers ?? [:]).values.reduce(0) { $0 + max(0, ($1.connects ?? 0) - 1) }
            let newReconnects = reconnectsSeen.withLock { seen -> Int in
                defer { seen = max(seen, reconnects) }
                return max(0, reconnects - seen)
            }
            if newReconnects > 0 { counters.reconnects.increment(by: newReconnects) }
            if let depth = bufferDepth?() {
                // The local buffer's depth, sampled with each statistics document.
                let client = [("client_id", statistics.client_id ?? "unknown")]
                Gauge(label: "msk_kafka_buffer_messages", dimensions: client).record(depth.messages)
                Gauge(label: "msk_kafka_buffer_bytes", dimensions: client).record(depth.bytes)
            }
            continuation.yield(statistics)
        } catch {
            counters.malformedStatistics.increment()
            logger.warning("could not decode a librdkafka statistics document", metadata: ["error": "\(error)", "bytes": "\(json.count)"])
        }
    }

    func finish() { continuation.finish() }
}
