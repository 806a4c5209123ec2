/// The outcome of a message handed to ``KafkaProducer/enqueue(_:)``.
public enum KafkaProducerEvent: Sendable {
    /// Stored by the broker.
    case delivered(KafkaDeliveryReport)
    /// Finally failed (after retries, if retriable); dead-lettered when configured.
    case failed(KafkaProducerMessage, KafkaError)
}
