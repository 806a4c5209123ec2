/// One attempt at delivering a message: what travels through librdkafka as the per-message
/// opaque (retained while librdkafka holds it, released in the delivery report).
final class PendingMessage: Sendable {
    let message: KafkaProducerMessage
    /// 1 for the first attempt.
    let attempt: Int
    let byteCount: Int
    let completion: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    init(message: KafkaProducerMessage, attempt: Int, byteCount: Int, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.message = message
        self.attempt = attempt
        self.byteCount = byteCount
        self.completion = completion
    }

    func nextAttempt() -> PendingMessage {
        PendingMessage(message: message, attempt: attempt + 1, byteCount: byteCount, completion: completion)
    }
}
