import CRdKafka

/// One `rd_kafka_produceva` call (the variadic `rd_kafka_producev` cannot be called from Swift).
/// Payload, key and headers are copied by librdkafka (`RD_KAFKA_MSG_F_COPY`).
enum RdKafkaProduce {
    static func produce(_ handle: OpaquePointer, _ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                header.value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                }
            }
        }
        let error: rd_kafka_resp_err_t = message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                (message.key ?? []).withUnsafeBytes { key in
                    // On the stack: this runs once per message.
                    return withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { values -> rd_kafka_resp_err_t in
                    var count = 0
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        var entry = rd_kafka_vu_t()
                        entry.vtype = type
                        fill(&entry)
                        values[count] = entry
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                    add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value.baseAddress), size: value.count) }
                    if message.key != nil {
                        add(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key.baseAddress), size: key.count) }
                    }
                    if let partition = message.partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                    if let timestamp = message.timestamp {
                        add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = Int64(timestamp.timeIntervalSince1970 * 1000) }
                    }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
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
}
