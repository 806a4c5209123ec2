import Foundation
import Logging

/// Receives librdkafka's statistics documents, decodes them and hands them on; a malformed
/// document is counted and logged, never fatal.
final class StatisticsHandler: Sendable {
    private let continuation: AsyncStream<KafkaStatistics>.Continuation
    let stream: AsyncStream<KafkaStatistics>
    private let counters: KafkaClientCounters
    private let logger: Logger

    init(counters: KafkaClientCounters, logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(of: KafkaStatistics.self, bufferingPolicy: .bufferingNewest(16))
        self.counters = counters
        self.logger = logger
    }

    func handle(_ json: Data) {
        do {
            let statistics = try JSONDecoder().decode(KafkaStatistics.self, from: json)
            statistics.export()
            continuation.yield(statistics)
        } catch {
            counters.malformedStatistics.increment()
            logger.warning("could not decode a librdkafka statistics document", metadata: ["error": "\(error)", "bytes": "\(json.count)"])
        }
    }

    func finish() { continuation.finish() }
}
