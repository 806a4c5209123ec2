import CRdKafka

/// Copies out of a librdkafka message — consumed, or in a delivery report — whose memory
/// librdkafka frees when it is done with it.
enum RdKafkaMessageCopy {
    static func topic(_ message: UnsafePointer<rd_kafka_message_t>) -> String {
        message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    }

    static func value(_ message: UnsafePointer<rd_kafka_message_t>) -> [UInt8] {
        message.pointee.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.pointee.len)) } ?? []
    }

    static func key(_ message: UnsafePointer<rd_kafka_message_t>) -> [UInt8]? {
        message.pointee.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len)) }
    }

    /// The message's timestamp in milliseconds since the epoch, or nil where librdkafka has
    /// none (it has none for a message in error).
    static func timestampMs(_ message: UnsafePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
    }

    /// Headers in order; names may repeat.
    static func headers(_ message: UnsafePointer<rd_kafka_message_t>) -> [(name: String, value: [UInt8])] {
        var headers: [(name: String, value: [UInt8])] = []
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return headers }
        var index = 0
        var name: UnsafePointer<CChar>?
        var bytes: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append((name.map { String(cString: $0) } ?? "", bytes.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
            index += 1
        }
        return headers
    }
}
