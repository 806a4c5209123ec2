extension KafkaProducerConfiguration {
    /// What the max-retries layer does to the order of a key's messages when it produces a
    /// failed one again (``DeliveryPolicy/ordering``).
    ///
    /// librdkafka keeps a partition's order only while no message fails: once a message times
    /// out (`message.timeout.ms`, e.g. a broker down that long), it is reported failed while
    /// later messages of the same partition are still queued and are stored when the broker
    /// comes back. A layer that produces the failed one again then stores it after them —
    /// unless, as ``perKey`` does, it lets no message time out before its retries are spent.
    public enum Ordering: Sendable, Equatable {
        /// Retries may be stored after messages sent later (and, with several messages failed
        /// together, in another order than they were sent): no loss, no order promise beyond
        /// librdkafka's. Each attempt times out after `messageTimeout`, and the retry layer
        /// makes the next. Nothing is looked up per message.
        case none

        /// Each key's messages are stored in the order they were sent, retries included (the
        /// default).
        ///
        /// librdkafka's own retries keep that order — with idempotence it sends again in order
        /// through reconnects, leader changes and re-authentication — until a message times
        /// out. So under this policy librdkafka gets the whole delivery budget as one message
        /// timeout, `messageTimeout × (maxRetries + 1)` plus every backoff at its longest
        /// (``KafkaProducerConfiguration/deliveryTimeout``), and a message that still times
        /// out has had its retries: it finally fails. A broker down for less than the budget
        /// costs no order; without the policy, one down past `messageTimeout` does.
        ///
        /// A message that fails retriably before that — refused at enqueue, or given up by
        /// librdkafka after the `retries` set in ``KafkaProducerConfiguration/additionalProperties`` —
        /// holds its key: later messages of the key wait in the local buffer (still counted
        /// against its bounds, still under backpressure) and go to librdkafka only after the
        /// failed ones are delivered or finally fail; messages of other keys flow on. Failed
        /// messages of a key are produced again together, in the order they were sent, after
        /// the backoff.
        ///
        /// Where the order still breaks, the producer says so: it puts
        /// ``KafkaProducerEvent/orderBroken(_:)`` on ``KafkaProducer/events`` — whichever way
        /// the message was sent — and counts it (``KafkaClientCounters/orderBreaks``):
        /// - a message that finally fails (budget spent, not retriable, dead-lettered): the
        ///   key's later messages are stored without it (``KafkaOrderBreak/Reason/failed(_:)``);
        /// - a message that librdkafka reported failed while later messages of its key were
        ///   still queued there, and one of those was stored first
        ///   (``KafkaOrderBreak/Reason/overtaken``; librdkafka 2.0.2 cannot take one
        ///   partition's queued messages back).
        ///
        /// The key is the message's topic and key bytes, and its explicit partition when it
        /// has one (the same key sent to two partitions is two keys). Messages without a key
        /// have no order to keep — the partitioner spreads them — and are retried as with
        /// ``none``, under the same budget. Without idempotence, the policy sets
        /// `max.in.flight.requests.per.connection` to 1, which librdkafka needs to keep the
        /// order of its own retries. The cost: nothing per message while no key is held; while
        /// one is, one lock and one dictionary lookup per message with a key.
        case perKey
    }
}
