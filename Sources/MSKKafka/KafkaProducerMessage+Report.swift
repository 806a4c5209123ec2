import CRdKafka

extension KafkaProducerMessage {
    /// The message as librdkafka still holds it in a delivery report (its own copy of key,
    /// value and headers), for a retry or a dead letter of a message that carried no copy of
    /// its own. The partition is kept only where the caller had set it; the timestamp is not
    /// kept (see ``DeliveryTag/FirstEventAttempt``).
    init(reported report: UnsafePointer<rd_kafka_message_t>, explicitPartition: Bool) {
        self.init(topic: RdKafkaMessageCopy.topic(report), partition: explicitPartition ? report.pointee.partition : nil, key: RdKafkaMessageCopy.key(report),
                  value: RdKafkaMessageCopy.value(report), headers: RdKafkaMessageCopy.headers(report))
    }
}
