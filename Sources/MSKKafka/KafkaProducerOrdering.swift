extension KafkaProducerConfiguration {
    /// What the max-retries layer does to the order of a key's messages when it produces a
    /// failed one again (``DeliveryPolicy/ordering``).
    ///
    /// librdkafka keeps a partition's order only while no message fails: once a message times
    /// out (`message.timeout.ms`, e.g. a broker down that long), it is reported failed while
    /// later messages of the same partition are still queued and are stored when the broker
    /// comes back. A layer that produces the failed one again then stores it after them.
    public enum Ordering: Sendable, Equatable {
        /// Retries may be stored after messages sent later (and, with several messages failed
        /// together, in another order than they were sent): no loss, no order promise beyond
        /// librdkafka's. Nothing is looked up per message.
        case none

        /// Each key's messages are stored in the order they were sent, retries included.
        ///
        /// Once a message with a key fails retriably, later messages of that key are held
        /// back in the local buffer — still counted against its bounds, still under
        /// backpressure — and handed to librdkafka only after the failed ones are delivered or
        /// finally fail; messages of other keys flow on. Failed messages of a key are produced
        /// again together, in the order they were sent. The first time, that waits until
        /// `message.timeout.ms` (plus 2 s) has passed since the key's first failure, so that
        /// every message of the key librdkafka still held has been reported.
        ///
        /// A message that finally fails (retries exhausted, not retriable, dead-lettered)
        /// breaks its key's order at that point: the messages behind it are stored without it.
        /// The producer then puts ``KafkaProducerEvent/orderBroken(_:)`` on
        /// ``KafkaProducer/events`` — whichever way the message was sent — and counts it
        /// (``KafkaClientCounters/orderBreaks``). So does a message of a held key that
        /// librdkafka still had and stored ahead of the failed ones: the broker came back
        /// within one message timeout of the key's first failure, before it timed out too
        /// (``KafkaOrderBreak/Reason/overtaken``); librdkafka 2.0.2 has no way to take back
        /// one partition's queued messages.
        ///
        /// The key is the message's topic and key bytes, and its explicit partition when it
        /// has one (the same key sent to two partitions is two keys). Messages without a key
        /// have no order to keep — the partitioner spreads them — and are retried as with
        /// ``none``. The cost: nothing per message while no key is held; while one is, one
        /// lock and one dictionary lookup per message with a key.
        case perKey
    }
}
