import NIOCore

/// Rewrites upstream responses so that clients only ever see the gateway: broker addresses
/// point at the gateway's listeners.
///
/// Only non-flexible versions are handled (see ``KafkaAPI/rewrittenVersionCaps``); the
/// versions the gateway advertises (``KafkaAPIVersions``) make clients stay within them.
struct KafkaResponseRewriter: Sendable {
    /// Upstream `host:port` → the gateway's host and port for it. Keyed by address, not broker
    /// id, so that nothing depends on the order in which the upstream lists its brokers.
    let listeners: [String: (host: String, port: Int32)]

    /// Which topics of a Metadata answer a principal may see.
    struct TopicFilter {
        /// Whether the request named its topics: a hidden topic it named is answered with
        /// TOPIC_AUTHORIZATION_FAILED; one it did not name is left out.
        let named: Bool
        let mayDescribe: (String) -> Bool
    }

    /// The rewritten body of a response to `apiKey` at `version`, or `nil` to pass it through.
    func rewrite(apiKey: Int16, version: Int16, body: ByteBuffer, topicFilter: TopicFilter? = nil, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        switch apiKey {
        case KafkaAPI.metadata: return try metadata(version: version, body: body, topicFilter: topicFilter, allocator: allocator)
        case KafkaAPI.findCoordinator: return try findCoordinator(version: version, body: body, allocator: allocator)
        default: return nil
        }
    }

    /// Metadata v0–v8: `[throttle_time_ms (v3+)], brokers [node_id, host, port, rack (v1+)],
    /// cluster_id (v2+), controller_id (v1+), topics [...], cluster_authorized_operations (v8+)`.
    private func metadata(version: Int16, body: ByteBuffer, topicFilter: TopicFilter?, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        guard version <= 8 else { throw KafkaWireError("Metadata v\(version) (flexible) cannot be rewritten") }
        var input = body
        var output = allocator.buffer(capacity: body.readableBytes + 64)
        if version >= 3 { output.writeInteger(try input.readKafkaInt32()) }
        let count = try input.readKafkaArrayCount(minimumElementSize: 10)
        output.writeInteger(Int32(count))
        for _ in 0..<count {
            try copyBrokerAddress(from: &input, to: &output)
            if version >= 1 { output.writeKafkaString(try input.readKafkaString()) }
        }
        if let topicFilter { try filterTopics(version: version, input: &input, output: &output, filter: topicFilter) }
        output.writeImmutableBuffer(input)
        return output
    }

    /// Copies `cluster_id, controller_id, topics` with the topics `filter` hides left out or
    /// refused; what follows the topics is left in `input`.
    private func filterTopics(version: Int16, input: inout ByteBuffer, output: inout ByteBuffer, filter: TopicFilter) throws {
        if version >= 2 { output.writeKafkaString(try input.readKafkaString()) }
        if version >= 1 { output.writeInteger(try input.readKafkaInt32()) }
        let count = try input.readKafkaArrayCount(minimumElementSize: 8)
        // Slices are cut from this copy: a buffer gives none of what it has already read.
        let unread = input
        let countAt = output.writerIndex
        output.writeInteger(Int32(0))
        var written: Int32 = 0
        for _ in 0..<count {
            let start = input.readerIndex
            _ = try input.readKafkaInt16()
            let name = try input.readKafkaString() ?? ""
            if version >= 1 { try input.skipKafka(1) }
            let partitions = try input.readKafkaArrayCount(minimumElementSize: 14)
            for _ in 0..<partitions {
                try input.skipKafka(10 + (version >= 7 ? 4 : 0))
                for _ in 0..<(version >= 5 ? 3 : 2) {
                    let replicas = try input.readKafkaArrayCount(minimumElementSize: 4)
                    try input.skipKafka(4 * replicas)
                }
            }
            if version >= 8 { try input.skipKafka(4) }
            if filter.mayDescribe(name) {
                output.writeImmutableBuffer(try unread.kafkaSlice(at: start, length: input.readerIndex - start))
                written += 1
            } else if filter.named {
                output.writeInteger(KafkaErrorCode.topicAuthorizationFailed)
                output.writeKafkaString(name)
                if version >= 1 { output.writeInteger(UInt8(0)) }  // is_internal
                output.writeInteger(Int32(0))  // partitions
                if version >= 8 { output.writeInteger(Int32.min) }  // authorized operations: not asked
                written += 1
            }
        }
        output.setInteger(written, at: countAt)
    }

    /// FindCoordinator v0–v2: `[throttle_time_ms, error_code, error_message] | error_code`, then
    /// `node_id, host, port`.
    private func findCoordinator(version: Int16, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        guard version <= 2 else { throw KafkaWireError("FindCoordinator v\(version) (flexible) cannot be rewritten") }
        var input = body
        var output = allocator.buffer(capacity: body.readableBytes + 32)
        if version >= 1 {
            output.writeInteger(try input.readKafkaInt32())
            output.writeInteger(try input.readKafkaInt16())
            output.writeKafkaString(try input.readKafkaString())
        } else {
            output.writeInteger(try input.readKafkaInt16())
        }
        try copyBrokerAddress(from: &input, to: &output)
        output.writeImmutableBuffer(input)
        return output
    }

    /// `node_id, host, port`, with the address replaced by the gateway's listener for it.
    private func copyBrokerAddress(from input: inout ByteBuffer, to output: inout ByteBuffer) throws {
        let nodeID = try input.readKafkaInt32()
        var host = try input.readKafkaString()
        var port = try input.readKafkaInt32()
        if let listener = listeners["\(host ?? ""):\(port)"] { (host, port) = (listener.host, listener.port) }
        output.writeInteger(nodeID)
        output.writeKafkaString(host)
        output.writeInteger(port)
    }
}
