/// The outcome of messages handed to ``KafkaProducer/enqueue(_:)``.
public enum KafkaProducerEvent: Sendable {
    /// Stored by the broker: up to 1,024 reports, from one serve of librdkafka's queue, in its
    /// order.
    case delivered(KafkaDeliveryReports)
    /// Finally failed (after retries, if retriable); dead-lettered when configured.
    case failed(KafkaProducerMessage, KafkaError)
    /// A key's order was broken (only under ``KafkaProducerConfiguration/Ordering/perKey``,
    /// for messages sent any way: ``KafkaProducer/send(_:)`` and completion handlers too).
    case orderBroken(KafkaOrderBreak)
}
