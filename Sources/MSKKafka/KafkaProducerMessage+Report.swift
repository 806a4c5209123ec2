import CRdKafka
import Foundation

extension KafkaProducerMessage {
    /// The message as librdkafka still holds it in a delivery report (its own copy of key and
    /// headers; its copy of the value, or the held value it points to), for a retry or a dead
    /// letter of a message that carried no copy of its own. The partition is kept only where
    /// the caller had set it; the timestamp, which a failed report does not give back, is the
    /// one the caller kept (see ``DeliveryTag/FirstEventAttempt`` and ``CompletionAttempt``).
    init(reported report: UnsafePointer<rd_kafka_message_t>, explicitPartition: Bool, timestamp: Date? = nil) {
        self.init(topic: RdKafkaMessageCopy.topic(report), partition: explicitPartition ? report.pointee.partition : nil, key: RdKafkaMessageCopy.key(report),
                  value: RdKafkaMessageCopy.value(report), headers: RdKafkaMessageCopy.headers(report), timestamp: timestamp)
    }
}
