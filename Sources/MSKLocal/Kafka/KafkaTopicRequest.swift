import NIOCore

/// A request whose body holds an array of topics, each with an array of partitions — Produce,
/// Fetch, ListOffsets, OffsetCommit, OffsetFetch, TxnOffsetCommit, AddPartitionsToTxn — cut
/// into the parts around the array and one slice per topic, so that the gateway can leave out
/// the topics a principal may not use and answer for them itself.
///
/// Only the non-flexible versions are read (``KafkaAPI/authorizedVersionCaps``); the fields
/// before the array that authorization needs (transactional id, group id, acks) are kept.
struct KafkaTopicRequest {
    struct Topic {
        let name: String
        /// The whole entry: name and partitions.
        let bytes: ByteBuffer
        let partitions: [Int32]
    }

    let apiKey: Int16
    let version: Int16
    /// The body before the topics array's count.
    let prefix: ByteBuffer
    /// `nil` when the array is null (OffsetFetch v2+: every topic the group has offsets for).
    let topics: [Topic]?
    /// The body after the array.
    let suffix: ByteBuffer
    var transactionalID: String?
    var groupID: String?
    var acks: Int16?

    /// Reads `body` (after the request header) of `apiKey` at `version`; `nil` for an API that
    /// is not a topic request, a throw for one that cannot be read.
    static func read(apiKey: Int16, version: Int16, body: ByteBuffer) throws -> KafkaTopicRequest? {
        guard let partitionReader = partitionReader(apiKey: apiKey, version: version) else { return nil }
        var input = body
        var transactionalID: String?
        var groupID: String?
        var acks: Int16?
        switch apiKey {
        case KafkaAPI.produce:
            if version >= 3 { transactionalID = try input.readKafkaString() }
            acks = try input.readKafkaInt16()
            try input.skipKafka(4)  // timeout_ms
        case KafkaAPI.fetch:
            try input.skipKafka(12 + (version >= 3 ? 4 : 0) + (version >= 4 ? 1 : 0) + (version >= 7 ? 8 : 0))
        case KafkaAPI.listOffsets:
            try input.skipKafka(4 + (version >= 2 ? 1 : 0))
        case KafkaAPI.offsetCommit:
            groupID = try input.readKafkaString()
            if version >= 1 {
                try input.skipKafka(4)  // generation_id
                _ = try input.readKafkaString()  // member_id
            }
            if version >= 7 { _ = try input.readKafkaString() }  // group_instance_id
            if (2...4).contains(version) { try input.skipKafka(8) }  // retention_time_ms
        case KafkaAPI.offsetFetch:
            groupID = try input.readKafkaString()
        case KafkaAPI.txnOffsetCommit:
            transactionalID = try input.readKafkaString()
            groupID = try input.readKafkaString()
            try input.skipKafka(10)  // producer_id, producer_epoch
        case KafkaAPI.addPartitionsToTxn:
            transactionalID = try input.readKafkaString()
            try input.skipKafka(10)
        default:
            return nil
        }
        let prefix = try body.kafkaSlice(at: body.readerIndex, length: input.readerIndex - body.readerIndex)
        let rawCount = try input.readKafkaInt32()
        var topics: [Topic]?
        if rawCount >= 0 || apiKey != KafkaAPI.offsetFetch {
            guard Int(max(rawCount, 0)) * 6 <= input.readableBytes else { throw KafkaWireError("array of \(rawCount) topics does not fit") }
            var read: [Topic] = []
            read.reserveCapacity(Int(max(rawCount, 0)))
            for _ in 0..<max(rawCount, 0) {
                let start = input.readerIndex
                guard let name = try input.readKafkaString() else { throw KafkaWireError("null topic name") }
                let count = try input.readKafkaArrayCount(minimumElementSize: 4)
                var partitions: [Int32] = []
                partitions.reserveCapacity(count)
                for _ in 0..<count { partitions.append(try partitionReader(&input)) }
                // Cut from `body`: a buffer gives no slice of what it has already read.
                let bytes = try body.kafkaSlice(at: start, length: input.readerIndex - start)
                read.append(Topic(name: name, bytes: bytes, partitions: partitions))
            }
            topics = read
        }
        return KafkaTopicRequest(apiKey: apiKey, version: version, prefix: prefix, topics: topics, suffix: input,
                                 transactionalID: transactionalID, groupID: groupID, acks: acks)
    }

    /// The body again, with only the topics `keep` says yes to.
    func body(keeping keep: (Topic) -> Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let kept = (topics ?? []).filter(keep)
        var output = allocator.buffer(capacity: prefix.readableBytes + suffix.readableBytes + kept.reduce(4) { $0 + $1.bytes.readableBytes })
        output.writeImmutableBuffer(prefix)
        output.writeInteger(Int32(kept.count))
        for topic in kept { output.writeImmutableBuffer(topic.bytes) }
        output.writeImmutableBuffer(suffix)
        return output
    }

    /// Reads one partition entry of `apiKey` at `version` and returns its index.
    private static func partitionReader(apiKey: Int16, version: Int16) -> ((inout ByteBuffer) throws -> Int32)? {
        switch apiKey {
        case KafkaAPI.produce:
            return { input in
                let index = try input.readKafkaInt32()
                // records: null or empty ones make librdkafka's mock broker abort the whole
                // process (rd_slice_init_full's assertion); a broker refuses them anyway.
                let length = try input.readKafkaInt32()
                guard length > 0 else { throw KafkaWireError("Produce partition \(index) has \(length < 0 ? "null" : "empty") records") }
                try input.skipKafka(Int(length))
                return index
            }
        case KafkaAPI.fetch:
            let size = (version >= 9 ? 4 : 0) + 8 + (version >= 5 ? 8 : 0) + 4
            return { input in
                let index = try input.readKafkaInt32()
                try input.skipKafka(size)
                return index
            }
        case KafkaAPI.listOffsets:
            let size = (version >= 4 ? 4 : 0) + 8 + (version == 0 ? 4 : 0)
            return { input in
                let index = try input.readKafkaInt32()
                try input.skipKafka(size)
                return index
            }
        case KafkaAPI.offsetCommit:
            let size = 8 + (version >= 6 ? 4 : 0) + (version == 1 ? 8 : 0)
            return { input in
                let index = try input.readKafkaInt32()
                try input.skipKafka(size)
                _ = try input.readKafkaString()  // committed_metadata
                return index
            }
        case KafkaAPI.txnOffsetCommit:
            let size = 8 + (version >= 2 ? 4 : 0)
            return { input in
                let index = try input.readKafkaInt32()
                try input.skipKafka(size)
                _ = try input.readKafkaString()
                return index
            }
        case KafkaAPI.offsetFetch, KafkaAPI.addPartitionsToTxn:
            return { input in try input.readKafkaInt32() }
        default:
            return nil
        }
    }
}

extension ByteBuffer {
    /// Skips `count` bytes, or throws when fewer are left.
    mutating func skipKafka(_ count: Int) throws {
        guard count <= readableBytes else { throw KafkaWireError("truncated: \(count) bytes wanted, \(readableBytes) left") }
        moveReaderIndex(forwardBy: count)
    }

    /// The bytes at `index` (which must not be before the reader index) as a buffer, or a
    /// throw: never an empty stand-in that would silently drop bytes from a rewritten message.
    func kafkaSlice(at index: Int, length: Int) throws -> ByteBuffer {
        guard let slice = getSlice(at: index, length: length) else { throw KafkaWireError("no \(length) bytes at \(index)") }
        return slice
    }

    /// Skips `BYTES` / `NULLABLE_BYTES` without copying them (record batches can be large).
    mutating func skipKafkaBytes() throws {
        let length = try readKafkaInt32()
        if length > 0 { try skipKafka(Int(length)) }
    }
}
