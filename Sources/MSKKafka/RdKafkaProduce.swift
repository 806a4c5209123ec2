import CRdKafka

/// Hands one message to librdkafka, which copies key and headers, and the value too
/// (`RD_KAFKA_MSG_F_COPY`) unless the attempt holds it until its delivery report.
enum RdKafkaProduce {
    /// `topic` is the message's topic handle (``ProducerTopics``), or nil to name the topic.
    static func produce(_ handle: OpaquePointer, _ message: KafkaProducerMessage, heldValue: [UInt8]?, topic: OpaquePointer?, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        if let topic, message.headers.isEmpty, message.timestamp == nil {
            return produce(message, heldValue: heldValue, topic: topic, opaque: opaque)
        }
        return produceva(handle, message, heldValue: heldValue, topic: topic, opaque: opaque)
    }

    /// Calls `body` with the value's bytes and the flag that tells librdkafka whether to copy
    /// them: not when the attempt holds the value (`heldValue`, the message's own byte value)
    /// until its delivery report.
    @inline(__always)
    private static func withValue<Result>(_ message: KafkaProducerMessage, heldValue: [UInt8]?, _ body: (UnsafeRawBufferPointer, Int32) -> Result) -> Result {
        if let heldValue {
            // The elements of an array stay where they are while a reference to it lives and
            // nothing mutates it: the attempt keeps this one, immutable, until librdkafka has
            // reported the message (and librdkafka never writes to a payload).
            return heldValue.withUnsafeBytes { body($0, 0) }
        }
        return message.withValueBytes { body($0, RD_KAFKA_MSG_F_COPY) }
    }

    /// A message without headers or timestamp, to a topic handle: `rd_kafka_produce`, whose
    /// arguments are the message itself — where `rd_kafka_produceva` first walks a list of
    /// tagged values and takes and drops a reference to the topic.
    private static func produce(_ message: KafkaProducerMessage, heldValue: [UInt8]?, topic: OpaquePointer, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        let partition = message.partition ?? RD_KAFKA_PARTITION_UA
        let result = withValue(message, heldValue: heldValue) { value, flags in
            withKey(message.key) { key in
                rd_kafka_produce(topic, partition, flags, UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                                 key?.baseAddress, key?.count ?? 0, opaque)
            }
        }
        // -1 and the reason in librdkafka's thread-local last error.
        return result == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error()
    }

    /// Any message: `rd_kafka_produceva` (the variadic `rd_kafka_producev` cannot be called from
    /// Swift), to the topic handle or, without one, to the topic's name.
    private static func produceva(_ handle: OpaquePointer, _ message: KafkaProducerMessage, heldValue: [UInt8]?, topic: OpaquePointer?, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                header.value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                }
            }
        }
        let error: rd_kafka_resp_err_t = message.topic.withCString { topicName in
            withValue(message, heldValue: heldValue) { value, flags in
                withKey(message.key) { key in
                    // On the stack: this can run once per message.
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { values -> rd_kafka_resp_err_t in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                            var entry = rd_kafka_vu_t()
                            entry.vtype = type
                            fill(&entry)
                            values[count] = entry
                            count += 1
                        }
                        if let topic {
                            add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                        } else {
                            add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicName }
                        }
                        add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value.baseAddress), size: value.count) }
                        if let key {
                            add(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key.baseAddress), size: key.count) }
                        }
                        if let partition = message.partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                        if let timestamp = message.timestamp {
                            add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = Int64(timestamp.timeIntervalSince1970 * 1000) }
                        }
                        if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = flags }
                        add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                        guard let failure = rd_kafka_produceva(handle, values.baseAddress, count) else { return RD_KAFKA_RESP_ERR_NO_ERROR }
                        let code = rd_kafka_error_code(failure)
                        rd_kafka_error_destroy(failure)
                        return code
                    }
                }
            }
        }
        // On failure librdkafka did not take ownership of the headers.
        if error != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return error
    }

    /// The key's bytes, or nil for no key (a null key, not an empty one).
    private static func withKey<Result>(_ key: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let key else { return body(nil) }
        return key.withUnsafeBytes { body($0) }
    }
}
