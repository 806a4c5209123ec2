import CRdKafka
import Foundation

// Serving a producer's main queue: delivery reports come as events (`RD_KAFKA_EVENT_DR`), so
// that they can be read a batch at a time; errors and statistics come as events too, as the
// event API hands every kind it knows to whoever polls with it.
extension RdKafkaClient {
    /// Serves the producer's main queue: waits up to `timeoutMs` for a first event, then takes
    /// what is ready, up to `maxEvents` events — under steady load the queue never empties, and
    /// the serving thread (a producing task, between messages) must get back to its work.
    /// - Returns: false if it stopped at `maxEvents` with the queue maybe not empty: librdkafka
    ///   signals work only when its queue goes from empty to not empty, so the caller must see
    ///   to the next serve itself.
    func serveProducerQueue(timeoutMs: Int32, maxEvents: Int) -> Bool {
        guard let queue = producerQueue else { return true }
        return context._withUnsafeGuaranteedRef { context in
            var wait = timeoutMs
            for _ in 0..<maxEvents {
                guard let event = rd_kafka_queue_poll(queue.raw, wait) else { return true }
                wait = 0
                serve(event, context)
                rd_kafka_event_destroy(event)
            }
            return false
        }
    }

    private func serve(_ event: OpaquePointer, _ context: KafkaCallbackContext) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            serveDeliveryReports(event, context)
        case RD_KAFKA_EVENT_ERROR:
            let reason = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            context.clientError(rd_kafka_event_error(event), isFatal: rd_kafka_event_error_is_fatal(event) != 0, reason: reason, handle: handle.raw)
        case RD_KAFKA_EVENT_STATS:
            guard let json = rd_kafka_event_stats(event) else { return }
            context.statistics.handle(Data(bytes: json, count: strlen(json)))
        default:
            break
        }
    }

    /// Messages taken from a delivery-report event at a time.
    private static let reportsPerRead = 256
    /// How far ahead of the report being served the next ones' opaques are loaded.
    private static let prefetchDistance = 8

    /// Serves every message of a delivery-report event, in order. Each report reads the object
    /// its opaque points to (a completion handler's attempt, a retried message): allocated when
    /// the message was produced, long out of the caches by now. Asking for the next ones' while
    /// serving this one overlaps those loads instead of waiting for each in turn — one cache
    /// miss per message is what a report costs otherwise.
    private func serveDeliveryReports(_ event: OpaquePointer, _ context: KafkaCallbackContext) {
        withUnsafeTemporaryAllocation(of: UnsafePointer<rd_kafka_message_t>?.self, capacity: Self.reportsPerRead) { messages in
            while true {
                let count = rd_kafka_event_message_array(event, messages.baseAddress, messages.count)
                guard count > 0 else { return }
                for index in 0..<min(count, Self.prefetchDistance) { DeliveryTag.prefetch(messages[index]?.pointee._private) }
                for index in 0..<count {
                    if index + Self.prefetchDistance < count { DeliveryTag.prefetch(messages[index + Self.prefetchDistance]?.pointee._private) }
                    guard let message = messages[index] else { continue }
                    context.deliveryReport(message, handle: handle.raw)
                }
            }
        }
    }
}
