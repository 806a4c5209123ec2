/// A pointer to one of librdkafka's objects (`rd_kafka_t`, `rd_kafka_topic_t`,
/// `rd_kafka_queue_t`) that may cross threads, for the Swift types that hold one.
///
/// `@unchecked Sendable` because `OpaquePointer` is not: librdkafka's client, topic and queue
/// objects may be called from any thread (its own threads call them all the time), and the
/// pointer itself is never written after it is made. What keeps it valid is its owner —
/// ``RdKafkaClient`` for the client and the queues it takes, ``ProducerTopics`` for topic
/// handles — which gives an object back to librdkafka only once nothing can call it any more.
/// Equal pointers are the same object, which is how a delivery report's topic is found.
struct RdKafkaPointer: @unchecked Sendable, Hashable {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) {
        self.raw = raw
    }
}
