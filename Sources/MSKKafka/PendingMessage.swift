/// One attempt at delivering a message, with a copy of the message, when a first attempt's
/// ``DeliveryTag`` is not enough: a retry, or an event-path message with an explicit timestamp.
/// Travels through librdkafka as the per-message opaque (retained while librdkafka holds it,
/// released in the delivery report).
final class PendingMessage: Sendable {
    let message: KafkaProducerMessage
    /// 1 for the first attempt.
    let attempt: Int
    let byteCount: Int
    let target: DeliveryTarget

    init(message: KafkaProducerMessage, attempt: Int, byteCount: Int, target: DeliveryTarget) {
        self.message = message
        self.attempt = attempt
        self.byteCount = byteCount
        self.target = target
    }

    func nextAttempt() -> PendingMessage {
        PendingMessage(message: message, attempt: attempt + 1, byteCount: byteCount, target: target)
    }
}

/// Where a message's outcome goes.
enum DeliveryTarget: Sendable {
    /// ``KafkaProducer/events``.
    case events
    /// A caller who waits for it: ``KafkaProducer/send(_:)`` or a completion handler.
    case completion(DeliveryCompletion)
}
