import CRdKafka

// The producer's calls that are not per message (``RdKafkaProduce`` is).
extension RdKafkaClient {
    /// A topic handle for `name` (``ProducerTopics`` holds it), or nil when librdkafka will not
    /// make one (an invalid name).
    func makeTopic(named name: String) -> RdKafkaPointer? {
        rd_kafka_topic_new(handle.raw, name, nil).map(RdKafkaPointer.init)
    }

    /// Gives a topic handle back (before the client is destroyed).
    func destroyTopic(_ topic: RdKafkaPointer) {
        rd_kafka_topic_destroy(topic.raw)
    }

    /// Fails what librdkafka still holds, queued or in flight: each message comes back as a
    /// delivery report with `_PURGE_QUEUE` or `_PURGE_INFLIGHT`, to be served.
    func purge() {
        _ = rd_kafka_purge(handle.raw, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Calls `serve` until librdkafka holds nothing more to report (every delivery report
    /// served) or `timeout` has passed: `rd_kafka_destroy` would drop the reports left.
    func flush(timeout: Duration, serving serve: () -> Void) {
        let deadline = ContinuousClock.now + timeout
        repeat {
            serve()
        } while rd_kafka_outq_len(handle.raw) > 0 && ContinuousClock.now < deadline
    }
}
