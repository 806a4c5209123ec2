import CRdKafka

extension KafkaProducerMessage {
    /// The message as librdkafka still holds it in a delivery report (its own copy of key,
    /// value and headers), for a retry or a dead letter of a message that carried no copy of
    /// its own. The partition is kept only where the caller had set it; the timestamp is not
    /// kept (see ``DeliveryTag/FirstEventAttempt``).
    init(reported report: UnsafePointer<rd_kafka_message_t>, explicitPartition: Bool) {
        let message = report.pointee
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let value = message.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
        let key = message.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        var headers: [(name: String, value: [UInt8])] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(report, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append((name.map { String(cString: $0) } ?? "", bytes.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
                index += 1
            }
        }
        self.init(topic: topic, partition: explicitPartition ? message.partition : nil, key: key, value: value, headers: headers)
    }
}
