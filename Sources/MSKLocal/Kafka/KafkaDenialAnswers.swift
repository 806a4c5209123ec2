import NIOCore

/// Topics a request named that its principal may not use, and the error to answer them with.
struct KafkaDeniedTopic: Equatable {
    let name: String
    let partitions: [Int32]
    let error: Int16
}

/// The answers a broker gives to requests it does not authorize, written by the gateway in the
/// response schema of each API and version it authorizes (``KafkaAPI/authorizedVersionCaps``):
/// per partition where the schema has a place for it, for the whole request where not.
enum KafkaDenialAnswers {
    // MARK: Topic requests

    /// The answer to a topic request the gateway answers entirely itself (every topic denied, or
    /// the group or transactional id): `denied` per partition, `topLevelError` where the schema
    /// has a top-level error (Fetch v7+, OffsetFetch v2+).
    static func topicRequestBody(_ request: KafkaTopicRequest, denied: [KafkaDeniedTopic], topLevelError: Int16, allocator: ByteBufferAllocator) -> ByteBuffer {
        let (apiKey, version) = (request.apiKey, request.version)
        var output = allocator.buffer(capacity: 64 + denied.reduce(0) { $0 + $1.name.utf8.count + 40 * $1.partitions.count })
        switch apiKey {
        case KafkaAPI.fetch:
            if version >= 1 { output.writeInteger(Int32(0)) }
            if version >= 7 {
                output.writeInteger(topLevelError == 0 ? Int16(0) : topLevelError)
                output.writeInteger(Int32(0))  // session_id: none
            }
        case KafkaAPI.listOffsets: if version >= 2 { output.writeInteger(Int32(0)) }
        case KafkaAPI.offsetCommit, KafkaAPI.offsetFetch: if version >= 3 { output.writeInteger(Int32(0)) }
        case KafkaAPI.txnOffsetCommit, KafkaAPI.addPartitionsToTxn: output.writeInteger(Int32(0))
        default: break
        }
        output.writeInteger(Int32(denied.count))
        for topic in denied { writeTopic(topic, apiKey: apiKey, version: version, to: &output) }
        switch apiKey {
        case KafkaAPI.produce: if version >= 1 { output.writeInteger(Int32(0)) }
        case KafkaAPI.offsetFetch: if version >= 2 { output.writeInteger(topLevelError) }
        default: break
        }
        return output
    }

    /// The upstream's answer to a request the gateway forwarded without `denied`, with their
    /// refusals added to its topics array.
    static func merge(_ body: ByteBuffer, apiKey: Int16, version: Int16, denied: [KafkaDeniedTopic], allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var input = body
        let prefixSize: Int
        switch apiKey {
        case KafkaAPI.produce: prefixSize = 0
        case KafkaAPI.fetch: prefixSize = (version >= 1 ? 4 : 0) + (version >= 7 ? 6 : 0)
        case KafkaAPI.listOffsets: prefixSize = version >= 2 ? 4 : 0
        case KafkaAPI.offsetCommit, KafkaAPI.offsetFetch: prefixSize = version >= 3 ? 4 : 0
        case KafkaAPI.txnOffsetCommit, KafkaAPI.addPartitionsToTxn: prefixSize = 4
        default: throw KafkaWireError("API \(apiKey) has no topics to merge")
        }
        try input.skipKafka(prefixSize)
        let prefix = try body.kafkaSlice(at: body.readerIndex, length: prefixSize)
        let count = try input.readKafkaArrayCount(minimumElementSize: 6)
        let entriesStart = input.readerIndex
        // Where the array is not last in the schema, walk it to find what follows.
        if apiKey == KafkaAPI.produce || apiKey == KafkaAPI.offsetFetch {
            for _ in 0..<count {
                _ = try input.readKafkaString()
                let partitions = try input.readKafkaArrayCount(minimumElementSize: 4)
                for _ in 0..<partitions {
                    if apiKey == KafkaAPI.produce {
                        try input.skipKafka(14 + (version >= 2 ? 8 : 0) + (version >= 5 ? 8 : 0))
                    } else {
                        try input.skipKafka(12 + (version >= 5 ? 4 : 0))
                        _ = try input.readKafkaString()
                        try input.skipKafka(2)
                    }
                }
            }
        } else {
            input.moveReaderIndex(to: input.writerIndex)
        }
        let entries = try body.kafkaSlice(at: entriesStart, length: input.readerIndex - entriesStart)
        var output = allocator.buffer(capacity: body.readableBytes + denied.reduce(0) { $0 + $1.name.utf8.count + 40 * $1.partitions.count })
        output.writeImmutableBuffer(prefix)
        output.writeInteger(Int32(count + denied.count))
        output.writeImmutableBuffer(entries)
        for topic in denied { writeTopic(topic, apiKey: apiKey, version: version, to: &output) }
        output.writeImmutableBuffer(input)
        return output
    }

    private static func writeTopic(_ topic: KafkaDeniedTopic, apiKey: Int16, version: Int16, to output: inout ByteBuffer) {
        output.writeKafkaString(topic.name)
        output.writeInteger(Int32(topic.partitions.count))
        for index in topic.partitions {
            writePartition(index: index, error: topic.error, apiKey: apiKey, version: version, to: &output)
        }
    }

    /// One partition's refusal: its index, the error, and every other field at its "none" value.
    private static func writePartition(index: Int32, error: Int16, apiKey: Int16, version: Int16, to output: inout ByteBuffer) {
        output.writeInteger(index)
        switch apiKey {
        case KafkaAPI.produce:
            output.writeInteger(error)
            output.writeInteger(Int64(-1))  // base_offset
            if version >= 2 { output.writeInteger(Int64(-1)) }  // log_append_time_ms
            if version >= 5 { output.writeInteger(Int64(-1)) }  // log_start_offset
        case KafkaAPI.fetch:
            output.writeInteger(error)
            output.writeInteger(Int64(-1))  // high_watermark
            if version >= 4 { output.writeInteger(Int64(-1)) }  // last_stable_offset
            if version >= 5 { output.writeInteger(Int64(-1)) }  // log_start_offset
            if version >= 4 { output.writeInteger(Int32(-1)) }  // aborted_transactions: null
            if version >= 11 { output.writeInteger(Int32(-1)) }  // preferred_read_replica
            output.writeInteger(Int32(0))  // records: none
        case KafkaAPI.listOffsets:
            output.writeInteger(error)
            if version == 0 {
                output.writeInteger(Int32(0))  // old_style_offsets: []
            } else {
                output.writeInteger(Int64(-1))  // timestamp
                output.writeInteger(Int64(-1))  // offset
            }
            if version >= 4 { output.writeInteger(Int32(-1)) }  // leader_epoch
        case KafkaAPI.offsetFetch:
            output.writeInteger(Int64(-1))  // committed_offset
            if version >= 5 { output.writeInteger(Int32(-1)) }  // committed_leader_epoch
            output.writeKafkaString("")  // metadata
            output.writeInteger(error)
        default:  // OffsetCommit, TxnOffsetCommit, AddPartitionsToTxn: index, error
            output.writeInteger(error)
        }
    }

    // MARK: Requests about one group, transactional id or the cluster

    /// The whole answer to a refused JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
    /// FindCoordinator, InitProducerId, AddOffsetsToTxn or EndTxn, after the response header.
    static func singleErrorBody(apiKey: Int16, version: Int16, error: Int16, message: String, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var output = allocator.buffer(capacity: 64)
        switch apiKey {
        case KafkaAPI.findCoordinator:
            if version >= 1 { output.writeInteger(Int32(0)) }
            output.writeInteger(error)
            if version >= 1 { output.writeKafkaString(message) }
            output.writeInteger(Int32(-1))  // node_id
            output.writeKafkaString("")  // host
            output.writeInteger(Int32(-1))  // port
        case KafkaAPI.joinGroup:
            if version >= 2 { output.writeInteger(Int32(0)) }
            output.writeInteger(error)
            output.writeInteger(Int32(-1))  // generation_id
            output.writeKafkaString("")  // protocol_name
            output.writeKafkaString("")  // leader
            output.writeKafkaString("")  // member_id
            output.writeInteger(Int32(0))  // members
        case KafkaAPI.syncGroup:
            if version >= 1 { output.writeInteger(Int32(0)) }
            output.writeInteger(error)
            output.writeInteger(Int32(0))  // assignment: empty
        case KafkaAPI.heartbeat, KafkaAPI.leaveGroup:
            if version >= 1 { output.writeInteger(Int32(0)) }
            output.writeInteger(error)
        case KafkaAPI.addOffsetsToTxn, KafkaAPI.endTxn:
            output.writeInteger(Int32(0))
            output.writeInteger(error)
        case KafkaAPI.initProducerID:
            if version >= 2 { output.writeInteger(UInt8(0)) }  // response header v1: no tagged fields
            output.writeInteger(Int32(0))
            output.writeInteger(error)
            output.writeInteger(Int64(-1))  // producer_id
            output.writeInteger(Int16(-1))  // producer_epoch
            if version >= 2 { output.writeInteger(UInt8(0)) }  // no tagged fields
        default:
            return nil
        }
        return output
    }
}
