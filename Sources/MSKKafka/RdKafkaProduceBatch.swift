import CRdKafka

/// Hands a run of messages to one topic to librdkafka in one `rd_kafka_produce_batch` call:
/// the topic is locked and the clocks are read once for the run, not once per message.
///
/// Only messages that call could take whole go this way: no headers (it cannot carry them),
/// no timestamp, and no partition of the caller's (librdkafka 2.0.2 leaks a message it cannot
/// place on an unknown partition there, and counts it in its queue for good). Their keys and
/// values are copied into one scratch buffer for the call, and librdkafka copies them from it:
/// small messages only, so that the scratch buffer stays small and the extra copy cheap.
enum RdKafkaProduceBatch {
    /// The most messages in one call.
    static let maxRun = 128
    /// The largest key and value, together, of a message in a run: a run's scratch buffer is
    /// at most 256 KiB.
    static let maxMessageBytes = 2_048

    /// Whether `message` can go in a run.
    static func takes(_ message: borrowing KafkaProducerMessage) -> Bool {
        message.partition == nil && message.headers.isEmpty && message.timestamp == nil
            && message.valueCount + (message.key?.count ?? 0) <= maxMessageBytes
    }

    /// Produces the messages at `indices` of `messages` to `topic` with their `opaques`; calls
    /// `refused` with the slot (in `indices`) and the error of each message librdkafka did not
    /// take (no delivery report will come for it).
    static func produce(_ topic: OpaquePointer, _ messages: UnsafeBufferPointer<KafkaProducerMessage>, _ indices: [Int], opaques: [UnsafeMutableRawPointer],
                        refused: (Int, rd_kafka_resp_err_t) -> Void) {
        var total = 0
        for index in indices { total += messages[index].valueCount + (messages[index].key?.count ?? 0) }
        withUnsafeTemporaryAllocation(byteCount: max(total, 1), alignment: 1) { scratch in
            withUnsafeTemporaryAllocation(of: rd_kafka_message_t.self, capacity: indices.count) { entries in
                var used = 0
                func place(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
                    guard let source = bytes.baseAddress else { return nil }
                    let target = scratch.baseAddress! + used
                    target.copyMemory(from: source, byteCount: bytes.count)
                    used += bytes.count
                    return target
                }
                for slot in indices.indices {
                    var entry = rd_kafka_message_t()
                    messages[indices[slot]].withValueBytes { value in
                        entry.payload = place(value)
                        entry.len = value.count
                    }
                    if let key = messages[indices[slot]].key {
                        key.withUnsafeBytes { key in
                            entry.key = place(key).map { UnsafeMutableRawPointer($0) }
                            entry.key_len = key.count
                        }
                    }
                    entry.partition = RD_KAFKA_PARTITION_UA
                    entry._private = opaques[slot]
                    (entries.baseAddress! + slot).initialize(to: entry)
                }
                let taken = rd_kafka_produce_batch(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, entries.baseAddress, Int32(indices.count))
                if taken != Int32(indices.count) {
                    for slot in indices.indices where entries[slot].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        refused(slot, entries[slot].err)
                    }
                }
            }
        }
    }
}
