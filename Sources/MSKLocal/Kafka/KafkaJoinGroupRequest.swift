import NIOCore

/// A JoinGroup request (v0–v5, the versions the gateway reads) as far as the group's protocol
/// is concerned: the group, the member's session timeout, its protocol type and the protocols
/// it offers, in its order of preference — and where they start, so that the gateway can send
/// the same request with another protocol first.
struct KafkaJoinGroupRequest {
    struct GroupProtocol {
        var name: String
        /// The whole protocol entry as it came (name and metadata), to write back unchanged.
        var entry: ByteBuffer
    }

    var group: String
    var sessionTimeoutMs: Int32
    var protocolType: String
    var protocols: [GroupProtocol]
    /// Everything before the protocol array (after the request header).
    private var prefix: ByteBuffer

    /// Reads `body` (a request the gateway already checked with ``KafkaRequestCheck``).
    init(version: Int16, body: ByteBuffer) throws {
        var input = body
        let start = input.readerIndex
        guard let group = try input.readKafkaString() else { throw KafkaWireError("a null group id") }
        sessionTimeoutMs = try input.readKafkaInt32()
        if version >= 1 { _ = try input.readKafkaInt32() }  // rebalance_timeout_ms
        _ = try input.readKafkaString()  // member_id
        if version >= 5 { _ = try input.readKafkaString() }  // group_instance_id
        guard let type = try input.readKafkaString() else { throw KafkaWireError("a null protocol type") }
        prefix = try body.kafkaSlice(at: start, length: input.readerIndex - start)
        let count = try input.readKafkaArrayCount(minimumElementSize: 6)
        var protocols: [GroupProtocol] = []
        protocols.reserveCapacity(count)
        for _ in 0..<count {
            let entryStart = input.readerIndex
            guard let name = try input.readKafkaString() else { throw KafkaWireError("a null protocol name") }
            try input.skipKafkaBytes()  // metadata
            protocols.append(GroupProtocol(name: name, entry: try body.kafkaSlice(at: entryStart, length: input.readerIndex - entryStart)))
        }
        self.group = group
        protocolType = type
        self.protocols = protocols
    }

    /// The request body with the protocol at `index` moved to the front, the others in their order.
    func body(preferring index: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var reordered = protocols
        reordered.insert(reordered.remove(at: index), at: 0)
        var output = allocator.buffer(capacity: prefix.readableBytes + 4 + reordered.reduce(0) { $0 + $1.entry.readableBytes })
        output.writeImmutableBuffer(prefix)
        output.writeInteger(Int32(reordered.count))
        for entry in reordered { output.writeImmutableBuffer(entry.entry) }
        return output
    }
}
