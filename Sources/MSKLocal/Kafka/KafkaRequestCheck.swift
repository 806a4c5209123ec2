import NIOCore

/// Requests the gateway reads whole before forwarding them, policy or not: librdkafka's mock
/// broker (MSKKafkaTesting's `MockKafkaCluster`, in msk-local's own process) aborts the process on
/// some malformed ones — a Produce with null or empty records, a Metadata or JoinGroup whose
/// counts or lengths run past the frame (assertions in rd_slice_init_full, rd_realloc) — so
/// one hostile client would take msk-local down. A request that does not read exactly as its
/// schema gets its connection closed, as the gateway does with any unreadable frame.
enum KafkaRequestCheck {
    /// Throws ``KafkaWireError`` when `body` (after the request header) of `apiKey` at `version`
    /// is one of those and does not read to its last byte. Flexible versions are left to the
    /// upstream (the mock broker refuses every version it lacks before reading the body).
    static func check(apiKey: Int16, version: Int16, body: ByteBuffer) throws {
        var input = body
        switch (apiKey, version) {
        case (KafkaAPI.produce, 0...8):
            guard let request = try KafkaTopicRequest.read(apiKey: apiKey, version: version, body: body) else { return }
            input = request.suffix
        case (KafkaAPI.metadata, 0...8):
            let count = try input.readKafkaInt32()
            if count > 0 {
                guard Int(count) * 2 <= input.readableBytes else { throw KafkaWireError("Metadata names \(count) topics") }
                for _ in 0..<count {
                    guard try input.readKafkaString() != nil else { throw KafkaWireError("a null topic name") }
                }
            } else if count < -1 || (count == -1 && version == 0) {
                throw KafkaWireError("Metadata topic count \(count)")
            }
            try input.skipKafka((version >= 4 ? 1 : 0) + (version >= 8 ? 2 : 0))
        case (KafkaAPI.joinGroup, 0...5):
            try readString(&input)  // group_id
            try input.skipKafka(version >= 1 ? 8 : 4)  // session and rebalance timeouts
            try readString(&input)  // member_id
            if version >= 5 { _ = try input.readKafkaString() }  // group_instance_id
            try readString(&input)  // protocol_type
            let protocols = try readCount(&input, minimumElementSize: 6)
            for _ in 0..<protocols {
                try readString(&input)  // name
                let length = try input.readKafkaInt32()  // metadata
                guard length >= 0 else { throw KafkaWireError("null protocol metadata") }
                try input.skipKafka(Int(length))
            }
        default:
            return
        }
        guard input.readableBytes == 0 else { throw KafkaWireError("\(input.readableBytes) bytes after the request") }
    }

    private static func readString(_ input: inout ByteBuffer) throws {
        guard try input.readKafkaString() != nil else { throw KafkaWireError("a null STRING") }
    }

    private static func readCount(_ input: inout ByteBuffer, minimumElementSize: Int) throws -> Int {
        guard let count = input.getInteger(at: input.readerIndex, as: Int32.self), count >= 0 else {
            throw KafkaWireError("a null or negative array count")
        }
        return try input.readKafkaArrayCount(minimumElementSize: minimumElementSize)
    }
}
